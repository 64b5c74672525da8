#!/usr/bin/env python3
"""compare-objects.py A B - where two ELF64 little-endian objects differ: section by
section (name, type, flags, size, contents), and the symbol tables (count, order,
names). Used by kbuild-oot.sh to explain a .ko that is not byte-identical. When every
section (in order, with its header fields and contents) and the symbol table are the
same, prints "same sections, contents and symbols: only the file layout differs" and
exits 0; exits 1 when anything else differs."""
import struct, sys


def read(path):
    data = open(path, "rb").read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    if shnum == 0:
        shnum, = struct.unpack_from("<Q", data, shoff + 0x20)
    heads = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names = heads[shstrndx]
    secs = []
    for h in heads:
        start = names[4] + h[0]
        name = data[start:data.index(b"\0", start)].decode()
        body = data[h[4]:h[4] + h[5]] if h[1] != 8 else b""
        secs.append((name, h[1], h[2], h[5], body, h[6], h[7]))
    syms = []
    for name, typ, _, size, body, link, _ in secs:
        if typ == 2:
            strtab = secs[link][4]
            for k in range(0, len(body), 24):
                n, info, other, shndx, value, sz = struct.unpack_from("<IBBHQQ", body, k)
                syms.append((strtab[n:strtab.index(b"\0", n)].decode(), info, shndx, value, sz))
    return secs, syms


a_secs, a_syms = read(sys.argv[1])
b_secs, b_syms = read(sys.argv[2])
if [s for s in a_secs] == [s for s in b_secs] and a_syms == b_syms:
    print("same sections, contents and symbols: only the file layout differs")
    sys.exit(0)
if [s[0] for s in a_secs] != [s[0] for s in b_secs]:
    print("section order differs:", [s[0] for s in a_secs], [s[0] for s in b_secs])
for sa in a_secs:
    sb = next((s for s in b_secs if s[0] == sa[0]), None)
    if sb is None:
        print(f"{sa[0]}: only in the first"); continue
    what = [k for k, i in [("type", 1), ("flags", 2), ("size", 3), ("contents", 4), ("link", 5), ("info", 6)] if sa[i] != sb[i]]
    if what:
        extra = ""
        if "contents" in what and sa[3] == sb[3]:
            extra = f" ({sum(1 for x, y in zip(sa[4], sb[4]) if x != y)} bytes)"
        print(f"{sa[0]}: {', '.join(what)} differ{extra}")
for sb in b_secs:
    if not any(s[0] == sb[0] for s in a_secs):
        print(f"{sb[0]}: only in the second")
if a_syms != b_syms:
    if sorted(a_syms) == sorted(b_syms):
        first = next(i for i, (x, y) in enumerate(zip(a_syms, b_syms)) if x != y)
        print(f"symbol table: the same {len(a_syms)} symbols in another order (from #{first}: {a_syms[first][0]} / {b_syms[first][0]})")
    else:
        print(f"symbol table: {len(a_syms)} / {len(b_syms)} symbols; only in the first: "
              f"{sorted(set(a_syms) - set(b_syms))[:5]}, only in the second: {sorted(set(b_syms) - set(a_syms))[:5]}")
sys.exit(1)
