#!/usr/bin/env python3
"""sframe-read.py - an SFrame reader for versions 1, 2 and 3, written from the
published format description (binutils' libsframe/doc/sframe-spec.texi and the
layout it documents), apart from unwindcheck's Swift encoder and decoder: the
independent reader of the version-3 sections unwindcheck writes (Debian 12 has no
version-3 reader). Standard library only.

  sframe-read.py --readelf FILE   the .sframe as binutils 2.40's `readelf --sframe`
                                  prints a version-1 section (starts not relocated)
  sframe-read.py --rows FILE      every function and row, starts relocated:
                                    F <section>+0x<start> <size> <row count> [flags]
                                    R <section>+0x<address> <rule>
  sframe-read.py --raw-rows BIN   the same for a bare section (little-endian bytes, no
                                  ELF): starts as stored, relative to the section
  sframe-read.py --lookup FILE    for each "<section> <offset>" line on stdin, the
                                  row in force at that address (found as an unwinder
                                  does: the function whose range holds it, then the
                                  last row starting at or before it):
                                    <section>+0x<offset> <rule> | none

A rule is "cfa=sp+16 fp=c-16 ra=c-8 s=0" (fp/ra "u": not saved; ra "f": at the
header's fixed offset; s: the return address is signed) or "ra=undefined".
Exit status: 0, 1 on a malformed section (one line on stderr), 2 on usage.
"""
import struct
import sys

MAGIC = 0xDEE2
HEADER = 28
F_PCREL = 0x4
ABI_TRACKS_RA = {1: True, 2: True, 3: False, 4: True}


class Malformed(Exception):
    pass


class ELF:
    """The parts of an ELF64 object the reader needs: sections, symbols, RELA."""

    def __init__(self, data):
        if data[:4] != b"\x7fELF" or data[4] != 2:
            raise Malformed("not a 64-bit ELF file")
        self.e = "<" if data[5] == 1 else ">"
        self.data = data
        (self.type, shoff, shentsize, shnum, shstrndx) = (
            struct.unpack_from(self.e + "H", data, 16)[0],
            struct.unpack_from(self.e + "Q", data, 0x28)[0],
            struct.unpack_from(self.e + "H", data, 0x3A)[0],
            struct.unpack_from(self.e + "H", data, 0x3C)[0],
            struct.unpack_from(self.e + "H", data, 0x3E)[0],
        )
        self.sections = []
        for i in range(shnum):
            f = struct.unpack_from(self.e + "IIQQQQIIQQ", data, shoff + i * shentsize)
            self.sections.append(dict(name_off=f[0], type=f[1], addr=f[3], offset=f[4], size=f[5], link=f[6], info=f[7]))
        names = self.sections[shstrndx]
        for s in self.sections:
            s["name"] = self.cstring(names["offset"] + s["name_off"])

    def cstring(self, at):
        end = self.data.index(b"\0", at)
        return self.data[at:end].decode("latin-1")

    def section(self, name):
        for i, s in enumerate(self.sections):
            if s["name"] == name:
                return i, s
        return None, None

    def contents(self, s):
        return self.data[s["offset"]:s["offset"] + s["size"]]

    def symbols(self, index):
        tab = self.sections[index]
        strtab = self.sections[tab["link"]]
        out = []
        for k in range(tab["size"] // 24):
            name, info, other, shndx, value, size = struct.unpack_from(self.e + "IBBHQQ", self.data, tab["offset"] + k * 24)
            out.append(dict(name=self.cstring(strtab["offset"] + name), shndx=shndx, value=value))
        return out

    def relocations_for(self, target):
        """{offset: (symbol, type, addend)} of the RELA section applying to section `target`."""
        out = {}
        for s in self.sections:
            if s["type"] == 4 and s["info"] == target:  # SHT_RELA
                syms = self.symbols(s["link"])
                for k in range(s["size"] // 24):
                    off, info, addend = struct.unpack_from(self.e + "QQq", self.data, s["offset"] + k * 24)
                    out.setdefault(off, (syms[info >> 32], info & 0xFFFFFFFF, addend))
        return out


def decode(sec, e):
    """The section's header and functions, each with its raw start field and rows."""
    if len(sec) < HEADER:
        raise Malformed("shorter than the SFrame header")
    magic, version, flags, abi, fixed_fp, fixed_ra, aux, nfde, nfre, frelen, fdeoff, freoff = struct.unpack_from(
        e + "HBBBbbBIIIII", sec, 0)
    if magic != MAGIC:
        raise Malformed("bad magic 0x%x" % magic)
    if version not in (1, 2, 3):
        raise Malformed("version %d" % version)
    if abi not in ABI_TRACKS_RA:
        raise Malformed("ABI %d" % abi)
    end_of_header = HEADER + aux
    fres = end_of_header + freoff
    if fres + frelen > len(sec):
        raise Malformed("row sub-section past the end")
    size_of_fde = {1: 17, 2: 20, 3: 16}[version]
    functions = []
    total_rows = 0
    for k in range(nfde):
        at = end_of_header + fdeoff + k * size_of_fde
        if at + size_of_fde > len(sec):
            raise Malformed("function %d past the end" % k)
        info2 = 0
        if version == 3:
            start, size, dataoff = struct.unpack_from(e + "qII", sec, at)
            attr = fres + dataoff
            if attr + 5 > fres + frelen:
                raise Malformed("function %d: attributes past the end" % k)
            count, info, info2, repsize = struct.unpack_from(e + "HBBB", sec, attr)
            p = attr + 5
        else:
            start, size, firstoff, count, info = struct.unpack_from(e + "iIIIB", sec, at)
            p = fres + firstoff
        fretype = info & 0xF
        if fretype > 2:
            raise Malformed("function %d: FRE type %d" % (k, fretype))
        addr_bytes = (1, 2, 4)[fretype]
        rows = []
        if info2 & 0x1F == 0:
            for _ in range(count):
                if p + addr_bytes + 1 > fres + frelen:
                    raise Malformed("function %d: a row past the end" % k)
                startaddr = int.from_bytes(sec[p:p + addr_bytes], "little" if e == "<" else "big")
                finfo = sec[p + addr_bytes]
                nwords = (finfo >> 1) & 0xF
                wsize = (1, 2, 4, None)[(finfo >> 5) & 3]
                if wsize is None:
                    raise Malformed("function %d: data word size code 3" % k)
                q = p + addr_bytes + 1
                words = [struct.unpack_from(e + {1: "b", 2: "h", 4: "i"}[wsize], sec, q + j * wsize)[0] for j in range(nwords)]
                rows.append(dict(start=startaddr, sp=finfo & 1, words=words, mangled=finfo >> 7))
                p = q + nwords * wsize
        total_rows += count
        functions.append(dict(start=start, field=at, size=size, info=info, info2=info2, count=count, rows=rows))
    if total_rows != nfre:
        raise Malformed("header counts %d rows, functions %d" % (nfre, total_rows))
    return dict(version=version, flags=flags, abi=abi, fixed_fp=fixed_fp, fixed_ra=fixed_ra, functions=functions)


def parts(t, r):
    """A row's (CFA, FP, RA) in the words of the spec: CFA = base + word 0; AMD64 FP =
    CFA + word 1 (RA at the fixed offset: "f", or "u" where the header has none);
    AArch64 RA = CFA + word 1, FP = CFA + word 2; "u": not saved."""
    w = r["words"]
    cfa = ("sp" if r["sp"] else "fp") + "%+d" % w[0]
    if ABI_TRACKS_RA[t["abi"]]:
        ra = "c%+d" % w[1] if len(w) > 1 else "u"
        fp = "c%+d" % w[2] if len(w) > 2 else "u"
    else:
        fp = "c%+d" % w[1] if len(w) > 1 else "u"
        ra = "f" if t["fixed_ra"] else "u"
    return cfa, fp, ra


def rule(t, r):
    """A row as one comparable rule: "cfa=sp+16 fp=c-16 ra=f s=0" or "ra=undefined"."""
    if not r["words"]:
        return "ra=undefined"
    cfa, fp, ra = parts(t, r)
    return "cfa=%s fp=%s ra=%s s=%d" % (cfa, fp, ra, r["mangled"])


def starts(elf, index, sec_header, t):
    """Each function's (section name, offset): its start field's relocation in a
    relocatable object, else the field PC-relative (flag 0x4) or section-relative."""
    relocs = elf.relocations_for(index)
    out = []
    for f in t["functions"]:
        rel = relocs.get(f["field"])
        if rel:
            sym, _, addend = rel
            target = elf.sections[sym["shndx"]]["name"] if 0 < sym["shndx"] < len(elf.sections) else "?"
            out.append((target, sym["value"] + addend))
        elif t["flags"] & F_PCREL:
            out.append(("", sec_header["addr"] + f["field"] + f["start"]))
        else:
            out.append(("", sec_header["addr"] + f["start"]))
    return out


def readelf_v1(name, t, sec_addr):
    """binutils 2.40's `readelf --sframe` text for a version-1 section."""
    flags = [n for bit, n in ((1, "SFRAME_F_FDE_SORTED"), (2, "SFRAME_F_FRAME_POINTER")) if t["flags"] & bit]
    lines = ["Contents of the SFrame section %s:" % name, "  Header :", "", "    Version: SFRAME_VERSION_%d" % t["version"],
             "    Flags: " + (",\n           ".join(flags) if flags else "NONE"),
             "    Num FDEs: %d" % len(t["functions"]), "    Num FREs: %d" % sum(f["count"] for f in t["functions"]), "",
             "  Function Index :", ""]
    for k, f in enumerate(t["functions"]):
        pc = (f["start"] + sec_addr) & 0xFFFFFFFFFFFFFFFF
        head = "    func idx [%d]: pc = 0x%x, size = %d bytes" % (k, pc, f["size"])
        if f["info"] & 0x20 and ABI_TRACKS_RA[t["abi"]]:
            head += ", pauth = B key"
        lines.append(head)
        lines.append("    %-7s%-8s %-10s%-10s%-13s" % ("STARTPC", "", "CFA", "FP", "RA"))
        for r in f["rows"]:
            cfa, fp, ra = parts(t, r)
            if not ABI_TRACKS_RA[t["abi"]]:
                ra = "u"  # (2.40 prints the fixed RA as not saved)
            if r["mangled"]:
                ra += "[s]"
            lines.append("    %016x  %-10s%-10s%-13s" % ((pc + r["start"]) & 0xFFFFFFFFFFFFFFFF, cfa, fp, ra))
        if k + 1 < len(t["functions"]):
            lines.append("")
    return lines


def load(path):
    """(section header, decoded table, placed starts) of a file's .sframe."""
    with open(path, "rb") as fh:
        elf = ELF(fh.read())
    index, sec = elf.section(".sframe")
    if sec is None:
        raise Malformed("no .sframe section")
    t = decode(elf.contents(sec), elf.e)
    return sec, t, starts(elf, index, sec, t)


def listing(t, placed):
    """The --rows lines."""
    out = []
    for f, (where, start) in zip(t["functions"], placed):
        attrs = []
        if f["info"] & 0x20:
            attrs.append("keyB")
        if t["version"] == 3 and f["info"] & 0x80:
            attrs.append("signal")
        if f["info2"] & 0x1F:
            attrs.append("flex")
        out.append("F %s+0x%x %d %d%s" % (where, start, f["size"], f["count"], "".join(" " + a for a in attrs)))
        for r in f["rows"]:
            out.append("R %s+0x%x %s" % (where, start + r["start"], rule(t, r)))
    return out


def lookup(t, placed, queries):
    """For each (section, pc), the rule in force there, found as an unwinder finds it:
    the function whose range holds pc (bisection over the starts), then its last row
    starting at or before pc (bisection over the row starts); "none" if there is none."""
    import bisect
    by_section = {}
    for f, (where, start) in zip(t["functions"], placed):
        by_section.setdefault(where, []).append((start, f))
    for v in by_section.values():
        v.sort(key=lambda x: x[0])
    keys = {s: [x[0] for x in v] for s, v in by_section.items()}
    row_starts = {}
    out = []
    for where, pc in queries:
        found = "none"
        k = bisect.bisect_right(keys.get(where, []), pc) - 1
        if k >= 0:
            start, f = by_section[where][k]
            if pc < start + f["size"] and f["rows"]:
                rs = row_starts.get(id(f))
                if rs is None:
                    rs = row_starts[id(f)] = [start + r["start"] for r in f["rows"]]
                j = bisect.bisect_right(rs, pc) - 1
                if j >= 0:
                    found = rule(t, f["rows"][j])
        out.append("%s+0x%x %s" % (where, pc, found))
    return out


def main(argv):
    if len(argv) != 3 or argv[1] not in ("--readelf", "--rows", "--raw-rows", "--lookup"):
        sys.stderr.write(__doc__)
        return 2
    mode, path = argv[1], argv[2]
    if mode == "--raw-rows":
        try:
            with open(path, "rb") as fh:
                t = decode(fh.read(), "<")
        except (Malformed, struct.error, ValueError, OSError) as err:
            sys.stderr.write("%s: %s\n" % (path, err))
            return 1
        base = lambda f: f["field"] if t["flags"] & F_PCREL else 0
        placed = [("", (base(f) + f["start"]) & 0xFFFFFFFFFFFFFFFF) for f in t["functions"]]
        sys.stdout.write("".join(l + "\n" for l in listing(t, placed)))
        return 0
    try:
        sec, t, placed = load(path)
    except (Malformed, struct.error, ValueError, OSError) as err:
        sys.stderr.write("%s: %s\n" % (path, err))
        return 1
    if mode == "--readelf":
        if t["version"] != 1:
            sys.stderr.write("%s: --readelf prints version 1 only\n" % path)
            return 1
        lines = readelf_v1(".sframe", t, sec["addr"])
    elif mode == "--rows":
        lines = listing(t, placed)
    else:
        queries = []
        for line in sys.stdin:
            parts = line.split()
            if len(parts) == 2:
                queries.append((parts[0], int(parts[1], 0)))
        lines = lookup(t, placed, queries)
    sys.stdout.write("".join(l + "\n" for l in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
