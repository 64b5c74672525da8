#!/usr/bin/env python3
"""Sums the per-object `dwarf (...)` summary lines of `check --against-dwarf --summary`
(stdin) into one breakdown of tolerated and not-comparable boundaries."""
import collections
import re
import sys

sums = collections.Counter()
for line in sys.stdin:
    for group in re.findall(r"\(([^()]*\d[^()]*)\)", line.split(": dwarf", 1)[-1]):
        for part in group.replace("tolerated: ", "").split(", "):
            m = re.fullmatch(r"(.+) (\d+)", part.strip())
            if m:
                sums[m.group(1)] += int(m.group(2))
print(", ".join(f"{k} {v}" for k, v in sorted(sums.items(), key=lambda kv: -kv[1])))
