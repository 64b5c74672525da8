#!/usr/bin/env python3
"""mutation-difftest.py - differential mutation test of the Kbuild checks against the
real objtool 6.12.

Real prepared module inputs are mutated so that each contains exactly one planted
violation of one check family; the real objtool and `unwindcheck objtool` run on every
mutant with Kbuild's full module flag set (--dry-run) and their finding sets are
compared. Per family it prints

  FAMILY: M mutants (P planted: objtool reports the family's message), equal E,
          missing A (objtool only), extra B (ours only)

(SLS mutants are compared twice: with the full set and with --sls alone, since with
the full set the rethunk check warns first and objtool keeps one warning per function.)

and exits 1 when any mutant differs. The mutations keep the ELF valid: bytes of an
instruction are rewritten in place (same length, padded with NOPs or int3), and a
relocation that no longer belongs to an instruction is deleted from its .rela section
(the section shrinks by one entry). Families and mutations:

  sls        the int3 after a `ret` or an indirect `jmp` becomes a NOP; a return-thunk
             or retpoline jump becomes `ret`/`jmp *%reg` without int3 (Debian's
             modules have no bare ret or indirect jmp: those mutants plant the
             retpoline/rethunk class too)
  retpoline  a retpoline thunk call/jump becomes `call *%reg`/`jmp *%reg`; an
             ANNOTATE_RETPOLINE_SAFE entry is deleted
  rethunk    a `jmp __x86_return_thunk` becomes a bare `ret`
  uaccess    a CLAC becomes a NOP; a call is planted between STAC and CLAC; an STD is
             planted before a call (the direction-flag rules)
  ibt        the ENDBR at a function's start becomes a 4-byte NOP
  static-call  a static-call key symbol's name loses its prefix (run without --module:
             the key is required only in vmlinux-like linked objects)

and, on a whole vmlinux.o (--vmlinux PATH; Debian's modules lost these annotations):

  noinstr    one instrumentation_begin() or instrumentation_end() annotation deleted
             (a .rela.discard.instr_begin/instr_end entry), or a call in noinstr code
             retargeted to an instrumented function (its relocation's symbol); run with
             --noinstr --link
  unret      an instruction on a path from VALIDATE_UNRET_BEGIN becomes `ret` or
             `call *%rax` (padded with int3), or a retpoline-safe NOP (the untraining's
             end) loses its annotation; run with --unret --rethunk --link

Usage: mutation-difftest.py --objtool OBJTOOL --ours UNWINDCHECK --list INPUTS
                            [--per-family N] [--families a,b] [--jobs J] [--keep DIR]
                            [--vmlinux VMLINUX_O --vmlinux-families noinstr,unret --vmlinux-per-family N]
"""
import argparse
import concurrent.futures as cf
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

# `unwindcheck objtool` is objtool 6.12 here (outside Kbuild it is told which kernel).
os.environ.setdefault("UNWINDCHECK_KERNEL", "6.12")

FLAGS = ["--hacks=jump_label", "--hacks=noinstr", "--hacks=skylake", "--ibt", "--orc", "--retpoline",
         "--rethunk", "--sls", "--static-call", "--uaccess", "--prefix=16", "--link", "--module", "--dry-run"]

# The message each family plants (a mutant is "planted" when objtool prints one).
PLANTED = {
    "sls": ["missing int3 after"],
    "retpoline": ["found in MITIGATION_RETPOLINE build"],
    "rethunk": ["'naked' return found"],
    "uaccess": ["UACCESS", "DF set"],
    "ibt": ["!ENDBR", "not an indirect call target"],
    "static-call": ["static_call:"],
    "noinstr": ["leaves .noinstr.text", "instrumentation enabled"],
    "unret": ["UNTRAIN", "early indirect call", "UNRET"],
}

VMLINUX_FLAGS = {
    "noinstr": ["--noinstr", "--link", "--dry-run"],
    "unret": ["--unret", "--rethunk", "--link", "--dry-run"],
}

REGS64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
          "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]


class Elf:
    """Just enough ELF64 little-endian: sections, symbols, relocations."""

    def __init__(self, data):
        self.data = bytearray(data)
        (self.shoff,) = struct.unpack_from("<Q", data, 0x28)
        self.shentsize, self.shnum, self.shstrndx = struct.unpack_from("<HHH", data, 0x3A)
        self.sections = []
        for i in range(self.shnum):
            o = self.shoff + i * self.shentsize
            name, typ, flags, addr, off, size, link, info, align, entsize = struct.unpack_from("<IIQQQQIIQQ", data, o)
            self.sections.append(dict(index=i, name_off=name, type=typ, flags=flags, offset=off, size=size,
                                      link=link, info=info, entsize=entsize, header=o))
        strtab = self.sections[self.shstrndx]
        for s in self.sections:
            s["name"] = self.cstr(strtab["offset"] + s["name_off"])
        self.by_name = {s["name"]: s for s in self.sections}
        self.symbols = []
        symtab = next((s for s in self.sections if s["type"] == 2), None)
        if symtab:
            names = self.sections[symtab["link"]]
            for k in range(symtab["size"] // 24):
                o = symtab["offset"] + k * 24
                name, info, other, shndx, value, size = struct.unpack_from("<IBBHQQ", data, o)
                self.symbols.append(dict(index=k, name=self.cstr(names["offset"] + name), name_file=names["offset"] + name,
                                         type=info & 15, bind=info >> 4, shndx=shndx, value=value, size=size))

    def cstr(self, o):
        e = self.data.index(0, o)
        return self.data[o:e].decode("latin-1")

    def relas(self, target):
        """(file offset of the entry, r_offset, symbol, type, addend) for section `target`."""
        out = []
        for s in self.sections:
            if s["type"] == 4 and s["info"] == target["index"]:
                for k in range(s["size"] // 24):
                    o = s["offset"] + k * 24
                    off, info, addend = struct.unpack_from("<QQq", self.data, o)
                    out.append((o, off, info >> 32, info & 0xffffffff, addend, s))
        return out

    def delete_rela(self, entry):
        """Removes one relocation entry: later entries move down, the section shrinks."""
        o, _, _, _, _, found = entry
        s = self.sections[found["index"]]  # (this copy's header, not the one it was found in)
        end = s["offset"] + s["size"]
        self.data[o:end - 24] = self.data[o + 24:end]
        self.data[end - 24:end] = bytes(24)
        s["size"] -= 24
        struct.pack_into("<Q", self.data, s["header"] + 0x20, s["size"])

    def patch(self, section, offset, code):
        o = self.sections[section["index"]]["offset"] + offset
        self.data[o:o + len(code)] = code


def decode(ours, path):
    """Our decoder's linear sweep: {section: [(offset, length, kind, ops)]}."""
    out = subprocess.run([ours, "decode", path], capture_output=True, text=True).stdout
    insns = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 5:
            continue
        insns.setdefault(f[0], []).append((int(f[1], 16), int(f[2]), f[3].split("->")[0], f[4]))
    return insns


def reg_of_thunk(name, prefix):
    r = name[len(prefix):]
    return REGS64.index(r) if r in REGS64 else None


def indirect(op, reg, length, pad):
    """`call *%reg` (op 2) or `jmp *%reg` (op 4) padded to `length` bytes."""
    code = (b"\x41" if reg >= 8 else b"") + bytes([0xFF, 0xC0 | (op << 3) | (reg & 7)])
    return code + pad * (length - len(code))


def candidates(elf, insns, family):
    """Every single mutation of the family this object allows: (description, apply)."""
    out = []
    syms = elf.symbols
    for sec_name, list_ in insns.items():
        sec = elf.by_name.get(sec_name)
        if sec is None:
            continue
        relas = elf.relas(sec)
        reloc_at = {}
        for e in relas:
            reloc_at.setdefault(e[1], e)
        for k, (off, length, kind, ops) in enumerate(list_):
            nxt = list_[k + 1] if k + 1 < len(list_) else None
            if family == "sls" and kind in ("ret", "jmp*") and nxt and nxt[2] == "trap" and nxt[0] == off + length:
                out.append((f"{sec_name}+{nxt[0]:#x} int3 after {kind} -> nop",
                            lambda e, s=sec, o=nxt[0]: e.patch(s, o, b"\x90")))
            if family in ("retpoline", "rethunk", "sls") and kind in ("call", "jmp") and length == 5:
                e = reloc_at.get(off + 1)
                if e is None or e[2] >= len(syms):
                    continue
                name = syms[e[2]]["name"]
                if family == "retpoline" and name.startswith("__x86_indirect_thunk_"):
                    reg = reg_of_thunk(name, "__x86_indirect_thunk_")
                    if reg is None or reg == 4:
                        continue
                    code = indirect(2, reg, 5, b"\x90") if kind == "call" else indirect(4, reg, 5, b"\xcc")
                    out.append((f"{sec_name}+{off:#x} {kind} {name} -> {kind} *%{REGS64[reg]}",
                                lambda el, s=sec, o=off, c=code, r=e: (el.patch(s, o, c), el.delete_rela(r))))
                if family == "sls" and kind == "jmp" and name == "__x86_return_thunk":
                    # (Debian's modules have no bare ret or indirect jmp to take the int3
                    # from: a return-thunk jump becomes a ret without one, which is
                    # also a naked return.)
                    out.append((f"{sec_name}+{off:#x} jmp __x86_return_thunk -> ret, no int3",
                                lambda el, s=sec, o=off, r=e: (el.patch(s, o, b"\xc3\x90\x90\x90\x90"), el.delete_rela(r))))
                if family == "sls" and kind == "jmp" and name.startswith("__x86_indirect_thunk_"):
                    reg = reg_of_thunk(name, "__x86_indirect_thunk_")
                    if reg is not None and reg != 4:
                        out.append((f"{sec_name}+{off:#x} jmp {name} -> jmp *%{REGS64[reg]}, no int3",
                                    lambda el, s=sec, o=off, c=indirect(4, reg, 5, b"\x90"), r=e: (el.patch(s, o, c), el.delete_rela(r))))
                if family == "rethunk" and kind == "jmp" and name == "__x86_return_thunk":
                    out.append((f"{sec_name}+{off:#x} jmp __x86_return_thunk -> ret",
                                lambda el, s=sec, o=off, r=e: (el.patch(s, o, b"\xc3\xcc\xcc\xcc\xcc"), el.delete_rela(r))))
            if family == "uaccess" and kind == "clac":
                out.append((f"{sec_name}+{off:#x} clac -> nop",
                            lambda el, s=sec, o=off: el.patch(s, o, b"\x0f\x1f\x00")))
            if family == "uaccess" and kind == "call" and k > 0:
                # STD planted in the instruction before a call (no stack op, no relocation).
                p_off, p_len, p_kind, p_ops = list_[k - 1]
                if p_kind in ("other", "nop") and p_ops == "-" and p_off + p_len == off and \
                        not any(p_off <= r < p_off + p_len for r in range(p_off, p_off + p_len) if r in reloc_at):
                    out.append((f"{sec_name}+{p_off:#x} std before call",
                                lambda el, s=sec, o=p_off, n=p_len: el.patch(s, o, b"\xfd" + b"\x90" * (n - 1))))
            if family == "ibt" and kind == "endbr" and length == 4:
                if any(sy["shndx"] == sec["index"] and sy["value"] == off and sy["type"] == 2 for sy in syms):
                    out.append((f"{sec_name}+{off:#x} endbr -> nop4",
                                lambda el, s=sec, o=off: el.patch(s, o, b"\x0f\x1f\x40\x00")))
    if family == "uaccess":
        out += planted_calls(elf, insns)
    if family == "retpoline":
        safe = elf.by_name.get(".discard.retpoline_safe")
        if safe:
            for e in elf.relas(safe):
                out.append((f".discard.retpoline_safe+{e[1]:#x} annotation dropped",
                            lambda el, r=e: el.delete_rela(r)))
    if family == "static-call":
        for sy in syms:
            if sy["name"].startswith("__SCK__") and len(sy["name"]) > 7:
                # The key symbol renamed (its prefix broken): the static call's key is
                # not found (reported for linked objects other than modules).
                out.append((f"symbol {sy['name']} renamed",
                            lambda el, s=sy: el.data.__setitem__(slice(s["name_file"] + 2, s["name_file"] + 3), b"X")))
    return out


def planted_calls(elf, insns):
    """A direct call planted between a STAC and its CLAC (in the straight-line code of
    a SMAP alternative site): a 5-byte or longer instruction without stack effect or
    relocation becomes `call` to the start of its function."""
    alt = elf.by_name.get(".altinstructions")
    repl = elf.by_name.get(".altinstr_replacement")
    text = elf.by_name.get(".text")
    if not alt or not repl or not text or ".altinstr_replacement" not in insns or ".text" not in insns:
        return []
    kinds = {o: k for o, _, k, _ in insns[".altinstr_replacement"]}
    relas = {e[1]: e for e in elf.relas(alt)}
    stac_sites = []
    for k in range(alt["size"] // 14):
        a, b = relas.get(k * 14), relas.get(k * 14 + 4)
        if not a or not b:
            continue
        if elf.sections[elf.symbols[a[2]]["shndx"]]["name"] != ".text" if a[2] < len(elf.symbols) and elf.symbols[a[2]]["shndx"] < len(elf.sections) else True:
            continue
        if b[2] >= len(elf.symbols) or elf.symbols[b[2]]["shndx"] != repl["index"]:
            continue
        site = elf.symbols[a[2]]["value"] + a[4]
        r = elf.symbols[b[2]]["value"] + b[4] + 4  # (PC32 of the second field: +4)
        if kinds.get(r) == "stac":
            stac_sites.append(site)
    text_insns = insns[".text"]
    index = {o: k for k, (o, _, _, _) in enumerate(text_insns)}
    reloc_offsets = sorted(e[1] for e in elf.relas(text))
    funcs = sorted((s["value"], s["value"] + s["size"]) for s in elf.symbols
                   if s["type"] == 2 and s["shndx"] == text["index"] and s["size"] > 0)
    out = []
    import bisect
    for site in stac_sites:
        k = index.get(site)
        if k is None:
            continue
        f = bisect.bisect_right(funcs, (site, 1 << 64)) - 1
        if f < 0 or not (funcs[f][0] <= site < funcs[f][1]):
            continue
        fstart = funcs[f][0]
        for j in range(k + 1, min(k + 12, len(text_insns))):
            off, length, kind, ops = text_insns[j]
            if kind not in ("other",):
                if kind == "nop" and length >= 3 and j > k + 1:
                    break  # (the CLAC site's padding: the region ends)
                if kind != "nop":
                    break
                continue
            i = bisect.bisect_left(reloc_offsets, off)
            if length < 5 or ops != "-" or (i < len(reloc_offsets) and reloc_offsets[i] < off + length):
                continue
            disp = fstart - (off + 5)
            code = b"\xe8" + struct.pack("<i", disp) + b"\x90" * (length - 5)
            out.append((f".text+{off:#x} call planted after the STAC at .text+{site:#x}",
                        lambda el, s=text, o=off, c=code: el.patch(s, o, c)))
            break
    return out


def vmlinux_candidates(elf, ours, path, family):
    """The single mutations of a vmlinux.o family (see the module docstring)."""
    out = []
    def section_of(sym):
        return elf.sections[sym["shndx"]] if 0 < sym["shndx"] < len(elf.sections) else None
    if family == "noinstr":
        # A call in noinstr code retargeted (its relocation's symbol) to an instrumented
        # function: the relocation keeps its type and place.
        def noinstr_name(n):
            return n in (".noinstr.text", ".entry.text", ".cpuidle.text") or n.startswith(".text..__x86.")
        text = elf.by_name.get(".text")
        targets = [sy for sy in elf.symbols if sy["name"] in ("_printk", "kfree")
                   and text and sy["shndx"] == text["index"] and sy["type"] == 2]
        for target in targets:
            for sec in elf.sections:
                if not noinstr_name(sec["name"]) or sec["type"] != 1:
                    continue
                for e in elf.relas(sec):
                    # (e8: call; e9: a tail call, checked as a call)
                    if e[3] in (2, 4) and e[1] >= 1 and elf.data[sec["offset"] + e[1] - 1] in (0xE8, 0xE9):
                        out.append((f"{sec['name']}+{e[1] - 1:#x} call retargeted to {target['name']}",
                                    lambda el, r=e, t=target["index"]: struct.pack_into(
                                        "<Q", el.data, r[0] + 8, (t << 32) | r[3])))
        for table in (".discard.instr_begin", ".discard.instr_end"):
            sec = elf.by_name.get(table)
            if sec:
                for e in elf.relas(sec):
                    # (Only annotations in noinstr sections: elsewhere they change nothing.)
                    target = section_of(elf.symbols[e[2]])
                    if target and (target["name"] in (".noinstr.text", ".entry.text", ".cpuidle.text")
                                   or target["name"].startswith(".text..__x86.")):
                        out.append((f"{table}+{e[1]:#x} ({target['name']}+{e[4]:#x}) deleted",
                                    lambda el, r=e: el.delete_rela(r)))
        return out
    # unret: the instructions after each root, in its section, until the untraining's
    # annotated NOP (the first 40 at most).
    roots = elf.by_name.get(".discard.validate_unret")
    safe = elf.by_name.get(".discard.retpoline_safe")
    if not roots:
        return out
    safe_at = {}
    for e in elf.relas(safe) if safe else []:
        sym = elf.symbols[e[2]]
        sec = section_of(sym)
        if sec:
            safe_at[(sec["index"], sym["value"] + e[4])] = e
    by_section = {}
    for e in elf.relas(roots):
        sym = elf.symbols[e[2]]
        sec = section_of(sym)
        if sec:
            by_section.setdefault(sec["name"], []).append(sym["value"] + e[4])
    for name, starts in by_section.items():
        sec = elf.by_name[name]
        out_ = subprocess.run([ours, "decode", "--section", name, path], capture_output=True, text=True).stdout
        insns = []
        for line in out_.splitlines():
            f = line.split("\t")
            if len(f) >= 5:
                insns.append((int(f[1], 16), int(f[2]), f[3].split("->")[0]))
        index = {o: k for k, (o, _, _) in enumerate(insns)}
        relocated = {e[1] for e in elf.relas(sec)}
        for start in starts:
            k = index.get(start)
            if k is None:
                continue
            for off, length, kind in insns[k:k + 40]:
                if (sec["index"], off) in safe_at:
                    out.append((f"{name}+{off:#x} untrain end annotation dropped",
                                lambda el, r=safe_at[(sec["index"], off)]: el.delete_rela(r)))
                    break
                if kind in ("other", "nop") and length >= 2 and not any(o in relocated for o in range(off, off + length)):
                    out.append((f"{name}+{off:#x} -> ret", lambda el, s_=sec, o=off, n=length:
                                el.patch(s_, o, b"\xc3" + b"\xcc" * (n - 1))))
                    out.append((f"{name}+{off:#x} -> call *%rax", lambda el, s_=sec, o=off, n=length:
                                el.patch(s_, o, b"\xff\xd0" + b"\xcc" * (n - 2))))
    return out


def vmlinux_family(a, family, rng, work):
    """Mutants of one vmlinux.o, made one at a time by each worker and deleted after
    both tools ran (a vmlinux.o is ~50 MB)."""
    data = open(a.vmlinux, "rb").read()
    elf = Elf(data)
    cands = vmlinux_candidates(elf, a.ours, a.vmlinux, family)
    rng.shuffle(cands)
    cands = cands[:a.vmlinux_per_family]
    flags = VMLINUX_FLAGS[family]
    os.makedirs(os.path.join(work, family), exist_ok=True)

    def run(k):
        desc, apply = cands[k]
        m = Elf.__new__(Elf)
        m.__dict__.update(elf.__dict__)
        m.data = bytearray(elf.data)
        m.sections = [dict(s) for s in elf.sections]
        apply(m)
        out = os.path.join(work, family, f"{k:05d}-vmlinux.o")
        with open(out, "wb") as f:
            f.write(m.data)
        theirs = findings(a.objtool, out, False, flags)[0]
        ours = findings(a.ours, out, True, flags)[0]
        if not a.keep:
            os.remove(out)
        return desc, theirs, ours
    equal = missing = extra = planted = shown = 0
    with cf.ThreadPoolExecutor(a.jobs) as ex:
        for desc, theirs, ours in ex.map(run, range(len(cands))):
            if any(any(p in l for p in PLANTED[family]) for l in theirs):
                planted += 1
            only_t = [l for l in theirs if l not in ours]
            only_o = [l for l in ours if l not in theirs]
            if not only_t and not only_o:
                equal += 1
                continue
            missing += bool(only_t)
            extra += bool(only_o)
            if shown < a.show:
                shown += 1
                print(f"  {family} vmlinux.o: {desc}")
                for l in only_t:
                    print(f"    only-objtool: {l}")
                for l in only_o:
                    print(f"    only-ours:    {l}")
    print(f"{family} (vmlinux.o): {len(cands)} mutants ({planted} planted), equal {equal}, missing {missing}, extra {extra}",
          flush=True)
    return missing or extra


def findings(tool, path, personality, flags):
    cmd = [tool] + (["objtool"] if personality else []) + flags + [path]
    r = subprocess.run(cmd, capture_output=True, text=True)
    lines = [l.replace(path, "OBJ") for l in r.stderr.splitlines() if ": warning: objtool: " in l or ": error: objtool: " in l]
    return sorted(set(lines)), r.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objtool", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--list", required=True)
    ap.add_argument("--per-family", type=int, default=1000)
    ap.add_argument("--families", default="sls,retpoline,rethunk,uaccess,ibt,static-call")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--per-module", type=int, default=3)
    ap.add_argument("--keep")
    ap.add_argument("--vmlinux")
    ap.add_argument("--vmlinux-families", default="noinstr,unret")
    ap.add_argument("--vmlinux-per-family", type=int, default=1000)
    ap.add_argument("--show", type=int, default=10)
    a = ap.parse_args()
    inputs = [l.strip() for l in open(a.list) if l.strip()]
    rng = random.Random(a.seed)
    rng.shuffle(inputs)
    work = a.keep or tempfile.mkdtemp(prefix="unwindcheck-mutants-")
    os.makedirs(work, exist_ok=True)
    failed = False
    for family in a.families.split(",") if a.families else []:
        mutants = []
        for path in inputs:
            if len(mutants) >= a.per_family:
                break
            data = open(path, "rb").read()
            try:
                elf = Elf(data)
            except Exception:
                continue
            cands = candidates(elf, decode(a.ours, path), family)
            rng.shuffle(cands)
            # (Few modules name static-call keys: every key of one is a mutant.)
            for desc, apply in cands[:a.per_module if family != "static-call" else len(cands)]:
                if len(mutants) >= a.per_family:
                    break
                m = Elf(data)
                apply(m)  # (the mutation only uses offsets found on the original)
                out = os.path.join(work, family, f"{len(mutants):05d}-{os.path.basename(path)}")
                os.makedirs(os.path.dirname(out), exist_ok=True)
                with open(out, "wb") as f:
                    f.write(m.data)
                mutants.append((out, path, desc))
        # Static-call keys are looked for only in linked objects other than modules;
        # with the full set the rethunk check speaks first for a planted SLS violation
        # (one warning per function), so SLS mutants also run with --sls alone.
        flag_sets = [[f for f in FLAGS if f != "--module"]] if family == "static-call" else [FLAGS]
        if family == "sls":
            flag_sets.append(["--sls", "--link", "--module", "--dry-run"])

        def run(m):
            theirs, ours = [], []
            for k, flags in enumerate(flag_sets):
                theirs += [f"[{k}] {l}" for l in findings(a.objtool, m[0], False, flags)[0]]
                ours += [f"[{k}] {l}" for l in findings(a.ours, m[0], True, flags)[0]]
            return m, (theirs, 0), (ours, 0)
        equal = missing = extra = planted = 0
        shown = 0
        with cf.ThreadPoolExecutor(a.jobs) as ex:
            for (out, src, desc), (theirs, trc), (ours, orc) in ex.map(run, mutants):
                if any(any(p in l for p in PLANTED[family]) for l in theirs):
                    planted += 1
                only_t = [l for l in theirs if l not in ours]
                only_o = [l for l in ours if l not in theirs]
                if not only_t and not only_o:
                    equal += 1
                else:
                    missing += bool(only_t)
                    extra += bool(only_o)
                    if shown < a.show:
                        shown += 1
                        print(f"  {family} {out} ({src}: {desc})")
                        for l in only_t:
                            print(f"    only-objtool: {l}")
                        for l in only_o:
                            print(f"    only-ours:    {l}")
        print(f"{family}: {len(mutants)} mutants ({planted} planted), equal {equal}, missing {missing}, extra {extra}",
              flush=True)
        failed = failed or missing or extra
    if a.vmlinux:
        for family in a.vmlinux_families.split(","):
            failed = vmlinux_family(a, family, rng, work) or failed
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
