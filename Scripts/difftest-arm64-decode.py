#!/usr/bin/env python3
"""difftest-arm64-decode.py UNWINDCHECK LLVM_OBJDUMP LIST [JOBS] - the arm64 decoder
against LLVM's disassembler.

For every object in LIST, `unwindcheck decode` and `llvm-objdump -d` (the Swift
toolchain's, LLVM 21, every extension on by default for AArch64) must agree on:
  * the instruction boundaries: the same offsets in every executable section
    (llvm-objdump honours the $d/$x mapping symbols; its `.word` lines are data and
    must not be decoded by us);
  * the class: llvm's mnemonic mapped to objtool's kinds (b -> jmp, b.cc/cbz/tbz ->
    jcc, bl -> call, br/braa.. -> jmp*, blr/blraa.. -> call*, ret/retaa.. -> ret,
    eret.. -> context-switch, brk -> bug, hlt/udf -> trap, hint-space mnemonics -> nop
    (bti -> endbr), <unknown> -> invalid, anything else -> other);
  * the branch target of direct branches.
Prints the first differences and one total line:
  arm64 decode: F files, N llvm instructions, M ours, D boundary differences,
  C class differences, T target differences, U unknown in code
"""
import collections
import multiprocessing
import re
import subprocess
import sys

HINTS = {"nop", "yield", "wfe", "wfi", "sev", "sevl", "dgh", "xpaclri", "pacia1716", "pacib1716",
         "autia1716", "autib1716", "esb", "psb", "tsb", "csdb", "paciaz", "paciasp", "pacibz",
         "pacibsp", "autiaz", "autiasp", "autibz", "autibsp", "hint", "clrbhb", "gcsb", "chkfeat",
         "stshh", "pacm", "bti"}
JCC = {"cbz", "cbnz", "tbz", "tbnz"}


def llvm_class(mn):
    if mn == "b":
        return "jmp"
    if mn.startswith("b.") or mn.startswith("bc.") or mn in JCC:
        return "jcc"
    if mn == "bl":
        return "call"
    if mn in ("br", "braa", "braaz", "brab", "brabz"):
        return "jmp*"
    if mn in ("blr", "blraa", "blraaz", "blrab", "blrabz"):
        return "call*"
    if mn in ("ret", "retaa", "retab"):
        return "ret"
    if mn in ("eret", "eretaa", "eretab", "drps", "dcps1", "dcps2", "dcps3"):
        return "context-switch"
    if mn == "brk":
        return "bug"
    if mn in ("hlt", "udf"):
        return "trap"
    if mn == "bti":
        return "endbr"
    if mn in HINTS:
        return "nop"
    if mn == "<unknown>":
        return "invalid"
    return "other"


def one(args):
    tool, objdump, path = args
    ours = {}
    for line in subprocess.run([tool, "decode", path], capture_output=True, text=True).stdout.splitlines():
        f = line.split("\t")
        if len(f) < 4:
            continue
        kind, _, target = f[3].partition("->0x")
        ours[(f[0], int(f[1], 16))] = (kind, int(target, 16) if target else None)
    theirs = {}
    sizes = {}
    for line in subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout.splitlines():
        f = line.replace("[ ", "[").split()
        if len(f) > 6 and f[0].startswith("["):
            try:
                sizes[f[1]] = int(f[5], 16)
            except ValueError:
                pass
    section = None
    unknown = 0
    # (-z: zero words in code are instructions, udf #0, not an elided "...".)
    out = subprocess.run([objdump, "-d", "-z", "--no-show-raw-insn", path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = re.match(r"Disassembly of section (\S+):", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"\s+([0-9a-f]+):\s+(\S+)(?:\s+(.*))?$", line)
        if not m or section is None:
            continue
        mn, operands = m.group(2), m.group(3) or ""
        # .word / byte dumps: data ($d). (A byte dump is hex bytes only: `dc civac, x3`
        # is an instruction whose mnemonic looks like a byte.)
        if mn.startswith(".") or (re.fullmatch(r"[0-9a-f]{2}", mn) and re.fullmatch(r"(?:[0-9a-f]{2}\s+)*(?:\.\w+.*)?", operands.strip() + " ")):
            continue
        if int(m.group(1), 16) + 4 > sizes.get(section, 0):
            continue  # a placeholder section shorter than one instruction (.plt, ftrace trampoline)
        cls = llvm_class(mn)
        if mn == "<unknown>":
            unknown += 1
        target = None
        if cls in ("jmp", "jcc", "call"):
            t = re.findall(r"(?<![#\w-])0x([0-9a-f]+)", re.sub(r"<.*>", "", operands))
            target = int(t[-1], 16) if t else None
        theirs[(section, int(m.group(1), 16))] = (cls, target, mn)
    diffs = collections.Counter()
    examples = []
    for key in theirs.keys() | ours.keys():
        a, b = ours.get(key), theirs.get(key)
        if a is None or b is None:
            diffs["boundary"] += 1
            if len(examples) < 3:
                examples.append(f"{path}: {key[0]}+{key[1]:#x}: ours {a}, llvm {b}")
            continue
        if a[0] != b[0]:
            diffs["class"] += 1
            if len(examples) < 3:
                examples.append(f"{path}: {key[0]}+{key[1]:#x}: ours {a[0]}, llvm {b[2]} ({b[0]})")
        elif b[1] is not None and a[1] != b[1]:
            diffs["target"] += 1
            if len(examples) < 3:
                examples.append(f"{path}: {key[0]}+{key[1]:#x}: target ours {a[1]}, llvm {b[1]}")
    return len(theirs), len(ours), diffs, examples, unknown


def main():
    tool, objdump, listfile = sys.argv[1:4]
    jobs = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    paths = [l.strip() for l in open(listfile) if l.strip()]
    total = collections.Counter()
    nt = no = unk = 0
    shown = 0
    work = [(tool, objdump, p) for p in paths]
    # JOBS=1 runs in this process (no multiprocessing: callers such as the test runner
    # may start us with signals blocked, which a worker pool does not survive).
    pool = multiprocessing.Pool(jobs) if jobs > 1 else None
    results = pool.imap_unordered(one, work, chunksize=8) if pool else map(one, work)
    try:
        for t, o, d, ex, u in results:
            nt += t
            no += o
            unk += u
            total.update(d)
            for e in ex:
                if shown < 20:
                    print(e)
                    shown += 1
    finally:
        if pool:
            pool.close()
    print(f"arm64 decode: {len(paths)} files, {nt} llvm instructions, {no} ours, "
          f"{total['boundary']} boundary differences, {total['class']} class differences, "
          f"{total['target']} target differences, {unk} unknown in code")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
