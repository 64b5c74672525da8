#!/usr/bin/env python3
"""difftest-prefix.py UNWINDCHECK OBJTOOL INPUT_LIST WORKDIR [EVERY] - `--prefix=16`
against the real objtool on real module code: each prepared input (every EVERY-th,
default 10) has its `__pfx_` symbols removed (objcopy), which gives what the compiler
emits (16 bytes of NOP padding before each function, no prefix symbols). The real
objtool (Kbuild's flags for an IBT kernel's module, --prefix=16) and
`unwindcheck check --orc --ibt --link --module --prefix=16` each write a copy; compared:
the ORC (objtool's --dump=orc of both) and the __pfx_ symbols (name, value, size,
binding, section).
  prefix-difftest: N modules, I identical (P __pfx_ symbols created alike), D differ,
  S skipped (objcopy/objtool failed)"""
import os, subprocess, sys

tool, objtool, lst, work = sys.argv[1:5]
every = int(sys.argv[5]) if len(sys.argv) > 5 else 10
os.makedirs(work, exist_ok=True)
FLAGS = ["--hacks=jump_label", "--hacks=noinstr", "--hacks=skylake", "--ibt", "--orc", "--retpoline",
         "--rethunk", "--sls", "--static-call", "--uaccess", "--prefix=16", "--link", "--module"]

def pfx(path):
    out = subprocess.run(["readelf", "-sW", path], capture_output=True, text=True).stdout
    rows = []
    for line in out.split("\n"):
        p = line.split()
        if len(p) >= 8 and p[7].startswith("__pfx_"):
            rows.append((p[7], int(p[1], 16), p[2], p[4], p[6]))
    return sorted(rows)

def dump(path):
    return subprocess.run([objtool, "--dump=orc", path], capture_output=True, text=True).stdout

inputs = [l.strip() for l in open(lst) if l.strip()][::every]
n = same = differ = skipped = symbols = 0
for f in inputs:
    base = os.path.join(work, "in.ko")
    if subprocess.run(["objcopy", "--wildcard", "--strip-symbol=__pfx_*", f, base], capture_output=True).returncode:
        skipped += 1; continue
    if not pfx(f):
        continue
    theirs, ours = os.path.join(work, "theirs.ko"), os.path.join(work, "ours.ko")
    subprocess.run(["cp", base, theirs])
    subprocess.run([objtool] + FLAGS + [theirs], capture_output=True)
    subprocess.run([tool, "check", "--orc", "--ibt", "--link", "--module", "--prefix=16", "--output", ours, base],
                   capture_output=True)
    if not os.path.exists(ours) or not dump(theirs).strip():
        skipped += 1; continue
    n += 1
    a, b = dump(theirs), dump(ours)
    pa, pb = pfx(theirs), pfx(ours)
    if a == b and pa == pb:
        same += 1; symbols += len(pa)
    else:
        differ += 1
        if differ <= 10:
            why = "ORC" if a != b else f"__pfx_ symbols (objtool {len(pa)}, ours {len(pb)}: first differing {next((x, y) for x, y in zip(pa + [None] * len(pb), pb + [None] * len(pa)) if x != y)})"
            print("DIFF", f, why)
    os.remove(ours)
print(f"prefix-difftest: {n} modules, {same} identical ({symbols} __pfx_ symbols created alike), {differ} differ, {skipped} skipped")
sys.exit(1 if differ else 0)
