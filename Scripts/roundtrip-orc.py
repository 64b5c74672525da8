#!/usr/bin/env python3
"""roundtrip-orc.py UNWINDCHECK OBJTOOL INPUT_LIST WORKDIR - the headline ORC fidelity
number: for every prepared input (shipped module, objtool's output stripped, annotations
restored), `unwindcheck check --orc --ibt --link --module --prefix=16 --output OUT INPUT`, then OUT's
ORC read back by the REAL objtool (`--dump=orc`) and by `unwindcheck orc dump`, compared
with the shipped module's (dump text and raw .orc_unwind bytes).
  orc-roundtrip: N modules with shipped ORC, I identical (text and bytes), D differ, F failed"""
import os, subprocess, sys

tool, objtool, lst, work = sys.argv[1:5]
os.makedirs(work, exist_ok=True)

def section_bytes(path, name):
    out = subprocess.run(["objcopy", "-O", "binary", f"--only-section={name}", path, "/dev/stdout"],
                         capture_output=True).stdout
    return out

same = differ = failed = total = 0
for f in (l.strip() for l in open(lst) if l.strip()):
    shipped = f.replace("/inputs-amd64/", "/corpus-amd64/")
    ref = subprocess.run([objtool, "--dump=orc", shipped], capture_output=True, text=True).stdout
    if not ref.strip():
        continue
    total += 1
    out = os.path.join(work, "out.ko")
    r = subprocess.run([tool, "check", "--orc", "--ibt", "--link", "--module", "--prefix=16", "--output", out, f],
                       capture_output=True, text=True)
    if not os.path.exists(out):
        failed += 1; print("FAILED", f, r.stderr.strip()[:200]); continue
    theirs = subprocess.run([objtool, "--dump=orc", out], capture_output=True, text=True).stdout
    ours = subprocess.run([tool, "orc", "dump", out], capture_output=True, text=True).stdout
    ok = theirs == ref and ours == ref and section_bytes(out, ".orc_unwind") == section_bytes(shipped, ".orc_unwind")
    if ok:
        same += 1
    else:
        differ += 1; print("DIFF", shipped)
    os.unlink(out)
print(f"orc-roundtrip: {total} modules with shipped ORC, {same} identical (text and bytes), {differ} differ, {failed} failed")
