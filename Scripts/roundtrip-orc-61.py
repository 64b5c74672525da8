#!/usr/bin/env python3
"""roundtrip-orc-61.py - the Debian 6.1 module corpus: ORC generated from each prepared
input (`check --kernel 6.1 --orc`, and the real objtool 6.1 `--orc` for reference)
against the table shipped in the module.

Both sides are compared after merging the per-object tables (Scripts/lib/orc61.py).

Usage: roundtrip-orc-61.py UNWINDCHECK OBJTOOL61 INPUTS_LIST INPUTS_DIR CORPUS_DIR [JOBS]
Prints the modules that differ and
  orc-61: N modules with shipped ORC; unwindcheck M identical; objtool 6.1 K identical
"""
import concurrent.futures as cf
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from orc61 import merged, dump as dump61  # noqa: E402

ours, objtool, inputs_list, inputs_dir, corpus_dir = sys.argv[1:6]
jobs = int(sys.argv[6]) if len(sys.argv) > 6 else os.cpu_count() or 2


def dump(path):
    return dump61(objtool, path)


def one(inp):
    rel = os.path.relpath(inp, inputs_dir)
    shipped = os.path.join(corpus_dir, rel)
    expected = merged(dump(shipped))
    if not expected:
        return rel, None, None
    with tempfile.TemporaryDirectory() as d:
        a = os.path.join(d, "ours.ko")
        subprocess.run([ours, "check", "--kernel", "6.1", "--orc", "--output", a, inp], capture_output=True)
        ok_ours = os.path.exists(a) and merged(dump(a)) == expected
        b = os.path.join(d, "objtool.ko")
        subprocess.run(["cp", inp, b])
        subprocess.run([objtool, "--orc", b], capture_output=True)
        ok_objtool = merged(dump(b)) == expected
    return rel, ok_ours, ok_objtool


inputs = [l.strip() for l in open(inputs_list) if l.strip()]
total = ours_ok = objtool_ok = 0
with cf.ThreadPoolExecutor(jobs) as ex:
    for rel, a, b in ex.map(one, inputs):
        if a is None:
            continue
        total += 1
        ours_ok += a
        objtool_ok += b
        if not a or not b:
            print(f"DIFF {rel}: unwindcheck {'same' if a else 'differs'}, objtool 6.1 {'same' if b else 'differs'}", flush=True)
print(f"orc-61: {total} modules with shipped ORC; unwindcheck {ours_ok} identical; objtool 6.1 {objtool_ok} identical")
