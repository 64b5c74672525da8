#!/usr/bin/env python3
"""difftest-syntax.py UNWINDCHECK LIST [--sample N] [--arch x86_64|arm64] [--show K]
The assembly text of `unwindcheck decode` (its last column) against GNU objdump's
(`objdump -d -z -w --no-show-raw-insn`; aarch64-linux-gnu-objdump for arm64) at every
instruction both tools decode at the same offset, on real objects.

Both texts are compared after taking away what only annotates: `<symbol+off>` after a
branch target, `# comment` (x86) and `// comment` (arm64), and runs of blanks. Prints

  syntax-difftest ARCH: F files, N instructions, E equal (P%), D different, R relocated,
  U not spelled out, X emulation prefixes

where "not spelled out" are the instructions unwindcheck prints as `.insn` (outside
its formatter: SIMD, x87, VEX...), "relocated" those whose only difference is a
target operand with a relocation on the instruction (GNU objdump applies arm64
branch and ADRP relocations to the target it prints; unwindcheck prints the encoded
target and names the relocation separately), and the K most frequent differing
mnemonics with an example each. "Emulation prefixes" are the x86 instructions behind a
forced-emulation marker, which unwindcheck (as the kernel's decoder) reads as one
instruction and spells `ud2; .ascii "xen"; INSN`, where objdump prints `ud2` (the one place
the two decoders differ: counted apart). Exit status 0; the figures go into the README.
"""
import collections, random, re, subprocess, sys

def objdump_texts(objdump, path):
    out = subprocess.run([objdump, "-d", "-z", "-w", "--no-show-raw-insn", path],
                         capture_output=True, text=True, errors="replace").stdout
    res, sec = {}, None
    for line in out.split("\n"):
        if line.startswith("Disassembly of section "):
            sec = line[len("Disassembly of section "):-1]
            continue
        m = re.match(r"^\s*([0-9a-f]+):\t(.*)$", line)
        if m and sec is not None:
            res[(sec, int(m.group(1), 16))] = m.group(2)
    return res

def ours_texts(tool, path):
    out = subprocess.run([tool, "decode", path], capture_output=True, text=True, errors="replace").stdout
    res = {}
    for line in out.split("\n"):
        f = line.split("\t")
        if len(f) >= 7:
            res[(f[0], int(f[1], 16))] = f[6]
    return res

def relocated_offsets(path):
    """(section, offset) of every relocation, from readelf -rW."""
    out = subprocess.run(["readelf", "-rW", path], capture_output=True, text=True, errors="replace").stdout
    res, sec = set(), None
    for line in out.split("\n"):
        m = re.match(r"^Relocation section '\.rela?(.*)' at offset", line)
        if m:
            sec = m.group(1)
            continue
        m = re.match(r"^([0-9a-f]{8,16})\s", line)
        if m and sec:
            res.add((sec, int(m.group(1), 16)))
    return res

def norm(text, arm):
    text = re.sub(r"\s*<[^>]*>", "", text)
    text = text.split("//")[0] if arm else text.split("#")[0]
    return " ".join(text.split()).replace(", ", ",")

def main():
    args = sys.argv[1:]
    sample, arch, show = None, "x86_64", 25
    if "--sample" in args:
        i = args.index("--sample"); sample = int(args[i + 1]); del args[i:i + 2]
    if "--arch" in args:
        i = args.index("--arch"); arch = args[i + 1]; del args[i:i + 2]
    if "--show" in args:
        i = args.index("--show"); show = int(args[i + 1]); del args[i:i + 2]
    tool, listfile = args
    files = [l.strip() for l in open(listfile) if l.strip()]
    if sample and sample < len(files):
        random.Random(1).shuffle(files)
        files = sorted(files[:sample])
    arm = arch == "arm64"
    objdump = "aarch64-linux-gnu-objdump" if arm else "objdump"
    total = equal = unspelled = relocated = emulation = 0
    diffs = collections.Counter()
    example = {}
    for path in files:
        theirs = objdump_texts(objdump, path)
        relocs = relocated_offsets(path)
        for key, text in ours_texts(tool, path).items():
            if key not in theirs:
                continue
            total += 1
            if text.startswith(".insn"):
                unspelled += 1
                continue
            if text.startswith("ud2; .ascii ") and norm(theirs[key], arm) == "ud2":
                emulation += 1
                continue
            a, b = norm(text, arm), norm(theirs[key], arm)
            if a == b:
                equal += 1
            elif key in relocs and a.rsplit(",", 1)[0].rsplit(" ", 1)[0] == b.rsplit(",", 1)[0].rsplit(" ", 1)[0]:
                relocated += 1
            else:
                m = b.split(" ")[0] if b else "?"
                diffs[m] += 1
                example.setdefault(m, f"{path} {key[0]}+{key[1]:#x}: ours '{a}' objdump '{b}'")
    pct = 100.0 * equal / total if total else 0.0
    print(f"syntax-difftest {arch}: {len(files)} files, {total} instructions, {equal} equal ({pct:.2f}%), "
          f"{total - equal - unspelled - relocated - emulation} different, {relocated} relocated, {unspelled} not spelled out, "
          f"{emulation} emulation prefixes")
    for m, n in diffs.most_common(show):
        print(f"  {n:8d} {m}: {example[m]}")

if __name__ == "__main__":
    main()
