#!/usr/bin/env python3
"""gen-x86-validity.py - derive which x86-64 encodings are defined from the oracle,
GNU objdump, and write Sources/DecodeX86/OpcodeValidity+Generated.swift.

Opcode *lengths* come from the hand-written grids in OpcodeMaps.swift; *validity*
(what objdump prints as "(bad)") depends on mandatory prefixes, ModRM.reg, register vs
memory form, and for VEX/EVEX on W, L, pp and vvvv, far too many cases to type by
hand. This script assembles one probe per combination (each under its own symbol, so
objdump restarts at every probe), disassembles them, and records objdump's verdict:

  legacy  map (one-byte, 0F, 0F38, 0F3A) x opcode x prefix (none,66,F3,F2)
          -> 16-bit mask over ModRM.reg (0-7) x form (memory, register)
  0F 01   prefix x every ModRM byte (the register forms are individual instructions)
  x87     D8-DF x register-form ModRM C0-FF
  VEX     map 1-3 x opcode x W x L x pp x (vvvv encoded 0000 / 1111)  -> 16-bit mask
  EVEX    map 1,2,3,5,6 x opcode x W x pp x L'L (0-2) x b  -> 16-bit mask (aaa=0, z=0)

Run by Scripts/regen-tables.sh; needs the Swift toolchain's clang and GNU objdump.
The output records the objdump version."""
import os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Sources/DecodeX86/OpcodeValidity+Generated.swift")
PREFIXES = [[], [0x66], [0xF3], [0xF2]]

def clang():
    swift = subprocess.run(["which", "swift"], capture_output=True, text=True).stdout.strip()
    return os.path.join(os.path.dirname(os.path.realpath(swift)), "clang")

def verdicts(probes):
    """probes: list of byte lists (<= 16 bytes each). Returns list of bool (valid)."""
    with tempfile.TemporaryDirectory() as d:
        src, obj = os.path.join(d, "p.s"), os.path.join(d, "p.o")
        with open(src, "w") as f:
            f.write("\t.text\n")
            for i, p in enumerate(probes):
                b = (p + [0] * 16)[:16]
                f.write(f"p{i}:\n\t.byte {','.join(str(x) for x in b)}\n")
        subprocess.run([clang(), "--target=x86_64-linux-gnu", "-c", src, "-o", obj], check=True)
        out = subprocess.run(["objdump", "-d", "-z", "--insn-width=16", obj],
                             capture_output=True, text=True).stdout
    first, cur = {}, None
    for line in out.split("\n"):
        m = re.match(r"^[0-9a-f]+ <p(\d+)>:$", line)
        if m: cur = int(m.group(1)); continue
        if cur is not None and re.match(r"^\s*[0-9a-f]+:\t", line):
            first[cur] = "(bad)" not in line; cur = None
    return [first[i] for i in range(len(probes))]

def modrm_forms():
    for reg in range(8):
        yield reg * 2 + 0, (reg << 3)          # memory: (%rax)
        yield reg * 2 + 1, 0xC0 | (reg << 3)   # register: %rax-class

def masks(builder, keys):
    """builder(key, modrm) -> probe bytes; returns {key: 16-bit mask}."""
    probes, index = [], []
    for k in keys:
        for bit, modrm in modrm_forms():
            probes.append(builder(k, modrm)); index.append((k, bit))
    res = {}
    for (k, bit), ok in zip(index, verdicts(probes)):
        res[k] = res.get(k, 0) | ((1 << bit) if ok else 0)
    return res

def legacy():
    maps = [[], [0x0F], [0x0F, 0x38], [0x0F, 0x3A]]
    keys = [(m, op, p) for m in range(4) for op in range(256) for p in range(4)]
    r = masks(lambda k, modrm: PREFIXES[k[2]] + maps[k[0]] + [k[1], modrm], keys)
    return [r[k] for k in keys]

def two_byte_0f01():
    probes = [PREFIXES[p] + [0x0F, 0x01, m] for p in range(4) for m in range(256)]
    v = verdicts(probes)
    return [sum((1 << b) for b in range(16) if v[p * 256 + i * 16 + b]) for p in range(4) for i in range(16)]

def x87():
    probes = [[0xD8 + o, m] for o in range(8) for m in range(0xC0, 0x100)]
    v = verdicts(probes)
    return [sum((1 << b) for b in range(16) if v[o * 64 + i * 16 + b]) for o in range(8) for i in range(4)]

def vex():
    keys = [(m, op, w, l, pp, ones) for m in (1, 2, 3) for op in range(256) for w in (0, 1)
            for l in (0, 1) for pp in range(4) for ones in (1, 0)]
    def build(k, modrm):
        m, op, w, l, pp, ones = k
        vvvv = 0xF if ones else 0x0
        b2 = (w << 7) | ((~vvvv & 0xF) << 3) | (l << 2) | pp
        return [0xC4, 0xE0 | m, b2, op, modrm]
    r = masks(build, keys)
    return [r[k] for k in keys]

def evex():
    keys = [(m, op, w, pp, ll, b) for m in (1, 2, 3, 5, 6) for op in range(256) for w in (0, 1)
            for pp in range(4) for ll in (0, 1, 2) for b in (0, 1)]
    def build(k, modrm):
        m, op, w, pp, ll, b = k
        p0 = 0xF0 | m                       # R X B R' inverted (= 0), reserved 0, mmm
        p1 = (w << 7) | (0xF << 3) | 0x04 | pp  # vvvv inverted 1111 = unused
        p2 = (ll << 5) | (b << 4) | 0x08    # z=0, V' inverted 1, aaa=0
        return [0x62, p0, p1, p2, op, modrm]
    r = masks(build, keys)
    return [r[k] for k in keys]

def rle(values):
    """Hex words, 4 digits each; a run of N > 2 equal words is 'word*N,'."""
    out, i = [], 0
    while i < len(values):
        j = i
        while j < len(values) and values[j] == values[i]: j += 1
        n = j - i
        out.append(f"{values[i]:04x}" + (f"*{n}," if n > 2 else "") if n > 2 else f"{values[i]:04x}" * n)
        i = j
    return "".join(out)

def emit(name, values, doc):
    s = rle(values)
    lines = [s[i:i + 100] for i in range(0, len(s), 100)]
    body = "\n".join(f'    "{l}",' for l in lines)
    return f"  /// {doc}\n  static let {name}: [UInt16] = decodeRLE(count: {len(values)}, [\n{body}\n  ])\n"

def main():
    version = subprocess.run(["objdump", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    parts = [
        emit("legacy", legacy(), "[map 0-3][opcode][prefix none/66/F3/F2] -> mask over reg x (mem, reg)"),
        emit("twoByte0F01", two_byte_0f01(), "[prefix][ModRM >> 4] -> mask over ModRM & 15 (every 0F 01 ModRM)"),
        emit("x87Register", x87(), "[opcode D8-DF][(ModRM - C0) >> 4] -> mask over ModRM & 15"),
        emit("vex", vex(), "[map 1-3][opcode][W][L][pp][vvvv encoded 0000 (a register) : 1111 (unused)] -> mask"),
        emit("evex", evex(), "[map 1,2,3,5,6][opcode][W][pp][L'L 0-2][b] -> mask"),
    ]
    with open(OUT, "w") as f:
        f.write("// Generated by Scripts/gen-x86-validity.py from " + version + ".\n")
        f.write("// Do not edit; run Scripts/regen-tables.sh.\n\n")
        f.write("extension OpcodeValidity {\n" + "\n".join(parts) + "}\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes) from {version}")

main()
