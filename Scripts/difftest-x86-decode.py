#!/usr/bin/env python3
"""difftest-x86-decode.py UNWINDCHECK LIST [--sample N] - x86-64 instruction boundaries
and lengths of `unwindcheck decode` against GNU objdump (-d -z: every byte of every
executable section, zero runs included) over every object in LIST.

Per (file, section) both instruction lists are compared as (offset, length) pairs; an
instruction present in one and not the other is a mismatch. The one place where the
kernel's decoder (and so objtool and unwindcheck) and objdump differ is a forced-emulation
prefix (`ud2; .ascii "xen"` or `"kvm"` and an instruction): one instruction to us, `ud2`
and then the ASCII as code to objdump, whose sweep meets ours again a few bytes on. Those
stretches (from our prefixed instruction to the first boundary both have after it) are
counted apart, not as mismatches. Two more stretches are counted apart, where objdump
2.40 is not the kernel's decoder or not a linear sweep: an instruction objdump 2.40 does
not know and the kernel's decoder does (LKGS, F2 0F 00 /6, in a paravirt kernel's
native_lkgs), and a symbol inside one of our instructions, where objdump restarts its
sweep (objtool and unwindcheck sweep sections linearly: the SRSO and retbleed untraining
thunks hide srso_safe_ret and retbleed_return_thunk inside a movabs and a test).
Prints the first mismatches, then one summary line:
  x86-decode-difftest: F files, N objdump instructions, M ours, K mismatches, B (bad),
  E emulation prefixes, L LKGS, S symbols inside instructions
Exit status 1 on any mismatch."""
import re, subprocess, sys
from multiprocessing import Pool

LINE = re.compile(rb"^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t?(.*)$")
SYMBOL = re.compile(rb"^([0-9a-f]{16}) <[^>]*>:$")
symbols = {}  # (file, section) -> offsets where objdump printed a symbol (per process)

def objdump(files):
    out = subprocess.run(["objdump", "-d", "-z", "--insn-width=16"] + files,
                         capture_output=True).stdout
    res, cur_file, cur_sec, bad = {}, None, None, 0
    symbols.clear()
    for line in out.split(b"\n"):
        sym = SYMBOL.match(line)
        if sym and cur_sec is not None:
            symbols.setdefault((cur_file, cur_sec), set()).add(int(sym.group(1), 16)); continue
        if line.endswith(b"file format elf64-x86-64"):
            cur_file = line.split(b":")[0].decode(); continue
        if line.startswith(b"Disassembly of section "):
            cur_sec = line[len(b"Disassembly of section "):-1].decode()
            res.setdefault((cur_file, cur_sec), []); continue
        m = LINE.match(line)
        if m and cur_sec is not None:
            n = len(m.group(2).split())
            res[(cur_file, cur_sec)].append((int(m.group(1), 16), n))
            if b"(bad)" in m.group(3): bad += 1
    return res, bad

def ours(tool, files):
    out = subprocess.run([tool, "decode"] + files, capture_output=True)
    res, cur_file = {}, files[0] if len(files) == 1 else None
    for line in out.stdout.split(b"\n"):
        if line.startswith(b"==> ") and line.endswith(b" <=="):
            cur_file = line[4:-4].decode(); continue
        f = line.split(b"\t")
        if len(f) < 3: continue
        key = (cur_file, f[0].decode())
        res.setdefault(key, []).append((int(f[1], 16), int(f[2])))
        if len(f) > 6 and f[6].startswith(b"ud2; .ascii "):
            prefixed.setdefault(key, []).append(int(f[1], 16))
        if len(f) > 6 and f[6].startswith(b".insn f2 0f 00 ") and (int(f[6].split()[4], 16) >> 3) & 7 == 6:
            lkgs.setdefault(key, []).append(int(f[1], 16))
    return res, out.stderr.decode()


prefixed = {}  # (file, section) -> offsets of our emulation-prefixed instructions (per process)
lkgs = {}  # (file, section) -> offsets of our LKGS instructions (per process)


def symbols_inside(key, b):
    """Our instructions with a symbol inside them (after their first byte)."""
    syms = symbols.get(key, set())
    return [o for o, n in b.get(key, []) if any(o < s < o + n for s in range(o + 1, o + n) if s in syms)]


def drop_stretches(starts, sa, sb):
    """Takes out, from both sets, each stretch from one of `starts` to the first boundary
    both sweeps share after it. Returns how many there were."""
    n = 0
    starts_a, starts_b = {o for o, _ in sa}, {o for o, _ in sb}
    for p in starts:
        end = p + 1
        while end not in starts_a or end not in starts_b:
            end += 1
            if end > p + 64:
                break
        sa -= {e for e in sa if p <= e[0] < end}
        sb -= {e for e in sb if p <= e[0] < end}
        n += 1
    return n

def compare(args):
    tool, files = args
    prefixed.clear(); lkgs.clear()
    a, bad = objdump(files)
    b, err = ours(tool, files)
    emulation = n_lkgs = inside = 0
    n_obj = sum(len(v) for v in a.values()); n_ours = sum(len(v) for v in b.values())
    mism, examples = 0, []
    for key in set(a) | set(b):
        sa, sb = set(a.get(key, [])), set(b.get(key, []))
        emulation += drop_stretches(prefixed.get(key, []), sa, sb)
        n_lkgs += drop_stretches(lkgs.get(key, []), sa, sb)
        inside += drop_stretches(symbols_inside(key, b), sa, sb)
        if sa != sb:
            only_a, only_b = sorted(sa - sb), sorted(sb - sa)
            mism += len(only_a) + len(only_b)
            if len(examples) < 5:
                examples.append((key, only_a[:3], only_b[:3]))
    return n_obj, n_ours, mism, bad, examples, err, (emulation, n_lkgs, inside)

def main():
    tool, lst = sys.argv[1], sys.argv[2]
    files = [l.strip() for l in open(lst) if l.strip()]
    if "--sample" in sys.argv:
        step = max(1, len(files) // int(sys.argv[sys.argv.index("--sample") + 1]))
        files = files[::step]
    batches = [(tool, files[i:i + 40]) for i in range(0, len(files), 40)]
    tot = [0, 0, 0, 0, 0, 0, 0]; shown = 0
    with Pool(2) as pool:
        for n_obj, n_ours, mism, bad, examples, err, apart in pool.imap_unordered(compare, batches):
            tot[0] += n_obj; tot[1] += n_ours; tot[2] += mism; tot[3] += bad
            tot[4] += apart[0]; tot[5] += apart[1]; tot[6] += apart[2]
            if err: print("stderr:", err.strip()[:300])
            for key, oa, ob in examples:
                if shown < 30:
                    print(f"MISMATCH {key[0]} {key[1]}: objdump-only {[(hex(o), n) for o, n in oa]} ours-only {[(hex(o), n) for o, n in ob]}")
                    shown += 1
    print(f"x86-decode-difftest: {len(files)} files, {tot[0]} objdump instructions, {tot[1]} ours, {tot[2]} mismatches, {tot[3]} (bad), {tot[4]} emulation prefixes, "
          f"{tot[5]} LKGS, {tot[6]} symbols inside instructions")
    sys.exit(1 if tot[2] else 0)

main()
