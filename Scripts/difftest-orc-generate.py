#!/usr/bin/env python3
"""difftest-orc-generate.py UNWINDCHECK OBJTOOL INPUT_LIST - the headline fidelity
number (generated with --ibt, as Kbuild runs objtool on IBT kernels): for every prepared input (shipped module with objtool's output stripped and
annotations restored), the ORC unwindcheck generates (`orc dump --generate INPUT`)
against the ORC Debian shipped (`objtool --dump=orc` of the shipped .ko, which the real
objtool wrote at build time). Prints differing modules (with the first differing
lines) and one summary line:
  orc-generate-difftest: F modules with ORC, I identical, D differ, E entries compared"""
import subprocess, sys

tool, objtool, lst = sys.argv[1], sys.argv[2], sys.argv[3]
inputs = [l.strip() for l in open(lst) if l.strip()]

def ours(batch):
    out = subprocess.run([tool, "orc", "dump", "--generate", "--ibt"] + batch, capture_output=True, text=True).stdout
    res, cur = {}, batch[0] if len(batch) == 1 else None
    for line in out.split("\n"):
        if line.startswith("==> ") and line.endswith(" <=="):
            cur = line[4:-4]; res[cur] = []; continue
        if line and cur is not None:
            res.setdefault(cur, []).append(line)
    return res

same = differ = entries = 0
shown = 0
for i in range(0, len(inputs), 100):
    batch = inputs[i:i + 100]
    gen = ours(batch)
    for f in batch:
        shipped = f.replace("/inputs-amd64/", "/corpus-amd64/")
        ref = subprocess.run([objtool, "--dump=orc", shipped], capture_output=True, text=True).stdout.split("\n")
        ref = [l for l in ref if l]
        if not ref:
            continue
        mine = gen.get(f, [])
        if mine == ref:
            same += 1; entries += len(ref)
        else:
            differ += 1
            if shown < 10:
                shown += 1
                print("DIFF", shipped, f"(ours {len(mine)} entries, shipped {len(ref)})")
                for a, b in zip(mine + [""] * len(ref), ref + [""] * len(mine)):
                    if a != b:
                        print("   ours:", a, "| shipped:", b); break
print(f"orc-generate-difftest: {same + differ} modules with ORC, {same} identical, {differ} differ, {entries} entries compared")
sys.exit(1 if differ > 3 else 0)
