#!/usr/bin/env python3
"""dwarf-disagreements-vs-orc.py UNWINDCHECK MODULE... - third opinion for DWARF
disagreements in final modules: at every boundary where `check --against-dwarf --table`
says the CFA disagrees, look up the module's own shipped ORC (written by the real objtool
at build time; `orc dump`) and report whose CFA it confirms.
Prints: `N disagreeing boundaries: ORC agrees with unwindcheck A, with DWARF B, neither C`."""
import bisect
import re
import subprocess
import sys

tool, mods = sys.argv[1], sys.argv[2:]
ours_n = dwarf_n = neither = total = 0
for m in mods:
    table = subprocess.run([tool, "check", "--against-dwarf", "--table", "--module", "--ibt", m],
                           capture_output=True, text=True).stdout
    rows = [l.split("\t") for l in table.splitlines() if l.endswith("disagree (CFA)")]
    if not rows:
        continue
    orc = {}
    for l in subprocess.run([tool, "orc", "dump", m], capture_output=True, text=True).stdout.splitlines():
        mm = re.match(r"(\S+)\+([0-9a-f]+):type:\S+ sp:(\S+)", l)
        if mm:
            orc.setdefault(mm.group(1), []).append((int(mm.group(2), 16), mm.group(3)))
    for sec in orc:
        orc[sec].sort()
    for _, sec, off, loc, ours, dwarf, _ in rows:
        total += 1
        o = int(off, 16)
        entries = orc.get(sec, [])
        i = bisect.bisect_right([e[0] for e in entries], o) - 1
        sp = entries[i][1] if i >= 0 else "?"
        sp = re.sub(r"^(sp|bp)", r"r\1", sp)
        ocfa = re.search(r"cfa (\S+)", ours).group(1)
        dcfa = re.search(r"cfa (\S+)", dwarf).group(1)
        if sp == ocfa:
            ours_n += 1
        elif sp == dcfa:
            dwarf_n += 1
        else:
            neither += 1
            print(f"{m}: {loc}: ORC {sp}, unwindcheck {ocfa}, DWARF {dcfa}")
print(f"{total} disagreeing boundaries: ORC agrees with unwindcheck {ours_n}, with DWARF {dwarf_n}, neither {neither}")
