#!/usr/bin/env python3
"""sframe-roundtrip.py - for each line "FIRST.o SECOND.o" on stdin (the same object
with unwindcheck's .sframe in two versions, e.g. 1 and 3), read both with
Scripts/sframe-read.py (the reader written from the specification) and check that
SECOND holds every function and row of FIRST (starts relocated), and that every row of
FIRST, looked up by address in SECOND at its first and its last byte as an unwinder
looks up a PC, gives the same rule. Prints one line:
  sframe round trip: N objects, F functions, R rows, L lookups, M mismatched objects
and the first mismatching objects on stderr."""
import importlib.util
import os
import sys

spec = importlib.util.spec_from_file_location("sframe_read", os.path.join(os.path.dirname(__file__), "..", "sframe-read.py"))
reader = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reader)

objects = functions = rows = lookups = bad = 0
for line in sys.stdin:
    parts = line.split()
    if len(parts) != 2:
        continue
    objects += 1
    try:
        _, t1, p1 = reader.load(parts[0])
        _, t2, p2 = reader.load(parts[1])
    except Exception as err:  # a malformed section is a mismatch, named
        bad += 1
        sys.stderr.write("%s: %s\n" % (parts[1], err))
        continue
    first, second = reader.listing(t1, p1), reader.listing(t2, p2)
    ok = first == second
    queries, expected = [], []
    for f, (where, start) in zip(t1["functions"], p1):
        functions += 1
        rows += len(f["rows"])
        for j, r in enumerate(f["rows"]):
            a = start + r["start"]
            end = start + f["rows"][j + 1]["start"] if j + 1 < len(f["rows"]) else start + f["size"]
            for pc in sorted({a, max(a, end - 1)}):
                queries.append((where, pc))
                expected.append("%s+0x%x %s" % (where, pc, reader.rule(t1, r)))
    lookups += len(queries)
    if reader.lookup(t2, p2, queries) != expected:
        ok = False
    if not ok:
        bad += 1
        if bad <= 5:
            sys.stderr.write("mismatch: %s vs %s\n" % (parts[0], parts[1]))
print("sframe round trip: %d objects, %d functions, %d rows, %d lookups, %d mismatched objects"
      % (objects, functions, rows, lookups, bad))
sys.exit(1 if bad else 0)
