#!/usr/bin/env python3
"""resource-bounds.py UNWINDCHECK [--scale F] [--only CLASS] - inputs made to make the
analysis slow or huge, generated as assembly, assembled with the toolchain's clang, and
checked with `check --orc --output` (the whole pipeline) under GNU time. Prints per class
the input's size, unwindcheck's wall time, peak RSS and exit status:

  bounds CLASS: what (N units), T s, M MB, exit E

Classes (full scale; --scale 0.2 gives a fifth, as the tests run it):
  symbols      1,000,000 functions in one section
  relocs       1,000,000 relocations against one symbol (in .data)
  calls        200,000 calls to one function from one function
  jumptable    one switch with a 100,000-entry jump table
  alternatives one patch site with 10,000 replacements (nested ALTERNATIVE_N entries)
  overlapping  10,000 patch sites overlapping one another
  hints        100,000 unwind hints in a row
  cfirows      one FDE of 100,000 rows (checked --against-dwarf: libdw evaluates an
               FDE from its start for every row)
  cfiremember  one FDE remembering its state 100,000 times with register 1000 named
               (--against-dwarf: libdw copies the register table at each)
  debugrelocs  4,000,000 relocations in .debug_info against one function (debug
               information: memory must follow the code, not the debug sections; the
               line also gives the peak RSS of the same object stripped of it)
Exit status 0 when every class finished with status 0, 1 or 3 (a finding or a clean
error: never a trap) within the time limit (--limit seconds, default 120).
"""
import os, re, subprocess, sys, tempfile

CLANG = os.environ.get("CLANG") or os.path.join(os.path.dirname(os.path.realpath(
    subprocess.run(["sh", "-c", "command -v swift"], capture_output=True, text=True).stdout.strip())), "clang")

def gen_symbols(n):
    out = ["\t.text"]
    for i in range(n):
        out += [f"\t.type f{i}, @function", f"f{i}:", "\tret", f"\t.size f{i}, 1"]
    return out, f"{n} functions in one section"

def gen_relocs(n):
    out = ["\t.text", "\t.globl target", "\t.type target, @function", "target:", "\tret", "\t.size target, 1",
           "\t.data", f"\t.rept {n}", "\t.quad target", "\t.endr"]
    return out, f"{n} relocations against one symbol"

def gen_calls(n):
    out = ["\t.text", "\t.globl caller", "\t.type caller, @function", "caller:", "\tpush %rbp", "\tmov %rsp, %rbp",
           f"\t.rept {n}", "\tcall target", "\t.endr", "\tpop %rbp", "\tret", "\t.size caller, .-caller"]
    return out, f"{n} calls to one function"

def gen_jumptable(n):
    cases = 64
    out = ["\t.text", "\t.globl sw", "\t.type sw, @function", "sw:", f"\tcmp ${n - 1}, %rdi", "\tja .Ldefault",
           "\tjmp *.Ltable(,%rdi,8)"]
    for c in range(cases):
        out += [f".Lcase{c}:", f"\tmov ${c}, %eax", "\tret"]
    out += [".Ldefault:", "\txor %eax, %eax", "\tret", "\t.size sw, .-sw", "\t.section .rodata", "\t.balign 8", ".Ltable:"]
    out += [f"\t.quad .Lcase{i % cases}" for i in range(n)]
    return out, f"a jump table of {n} entries"

ALT = """.macro ALT_ENTRY os, oe, rs, re, feat
	.pushsection .altinstructions,"a"
	.long \\os - .
	.long \\rs - .
	.4byte \\feat
	.byte \\oe - \\os
	.byte \\re - \\rs
	.popsection
.endm"""

def gen_alternatives(n):
    out = [ALT, "\t.text", "\t.globl site", "\t.type site, @function", "site:",
           "1:\t.byte 0x0f, 0x1f, 0x44, 0x00, 0x00", "2:\tret", "\t.size site, .-site", "\t.pushsection .altinstr_replacement,\"ax\""]
    for i in range(n):
        out += [f"r{i}:\t.byte 0x0f, 0x1f, 0x44, 0x00, 0x00", f"e{i}:"]
    out += ["\t.popsection"] + [f"\tALT_ENTRY 1b, 2b, r{i}, e{i}, {i % 600}" for i in range(n)]
    return out, f"one site with {n} replacements"

def gen_overlapping(n):
    out = [ALT, "\t.text", "\t.globl site", "\t.type site, @function", "site:"]
    out += [f"s{i}:\tnop" for i in range(n + 8)]
    out += ["\tret", "\t.size site, .-site", "\t.pushsection .altinstr_replacement,\"ax\"", "r0:\t.byte 0x90, 0x90, 0x90", "e0:", "\t.popsection"]
    # site i covers s[i]..s[i+4]: every byte is in several sites.
    out += [f"\tALT_ENTRY s{i}, s{i + 4}, r0, e0, 117" for i in range(n)]
    return out, f"{n} overlapping sites"

def gen_hints(n):
    out = [""".macro UNWIND_HINT type:req sp_reg=0 sp_offset=0 signal=0
.Lhint_\\@:
	.pushsection .discard.unwind_hints,"a"
	.long .Lhint_\\@ - .
	.short \\sp_offset
	.byte \\sp_reg
	.byte \\type
	.byte \\signal
	.balign 4
	.popsection
.endm""", "\t.text", "\t.globl entry", "entry:"]
    for i in range(n):
        out += ["\tUNWIND_HINT type=3 sp_reg=5 sp_offset=8" if i % 2 == 0 else "\tUNWIND_HINT type=2 sp_reg=5 sp_offset=8", "\tnop"]
    out += ["\tud2"]
    return out, f"{n} unwind hints"

def gen_cfirows(n):
    out = ["\t.text", "\t.globl f", "\t.type f, @function", "f:", "\t.cfi_startproc"]
    for i in range(n):
        out += ["\tnop", f"\t.cfi_adjust_cfa_offset {8 if i % 2 == 0 else -8}"]
    out += ["\tret", "\t.cfi_endproc", "\t.size f, .-f"]
    return out, f"one FDE of {n} rows"

def gen_cfiremember(n):
    out = ["\t.text", "\t.globl f", "\t.type f, @function", "f:", "\t.cfi_startproc", "\t.cfi_offset 1000, -16"]
    for i in range(n):
        out += ["\tnop", "\t.cfi_remember_state"]
    out += ["\tret", "\t.cfi_endproc", "\t.size f, .-f"]
    return out, f"one FDE remembering its state {n} times"

def gen_debugrelocs(n):
    out = ["\t.text", "\t.globl target", "\t.type target, @function", "target:", "\tret", "\t.size target, 1",
           "\t.section .debug_info,\"\",@progbits", f"\t.rept {n}", "\t.quad target", "\t.endr"]
    return out, f"{n} relocations in .debug_info"

# Classes checked with the DWARF cross-check as well.
DWARF_CLASSES = {"cfirows", "cfiremember"}

CLASSES = {
    "symbols": (gen_symbols, 1_000_000), "relocs": (gen_relocs, 1_000_000), "calls": (gen_calls, 200_000),
    "jumptable": (gen_jumptable, 100_000), "alternatives": (gen_alternatives, 10_000),
    "overlapping": (gen_overlapping, 10_000), "hints": (gen_hints, 100_000),
    "cfirows": (gen_cfirows, 100_000), "cfiremember": (gen_cfiremember, 100_000),
    "debugrelocs": (gen_debugrelocs, 4_000_000),
}


def peak_mb(tool, obj, out):
    r = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", tool, "check", "--orc", "--link", "--output", out, obj],
                       capture_output=True, text=True)
    m = re.search(r"TIME ([\d.]+) (\d+)", r.stderr)
    return int(m.group(2)) // 1024 if m else 0

def main():
    args = sys.argv[1:]
    scale, only, limit = 1.0, None, 120
    if "--scale" in args:
        i = args.index("--scale"); scale = float(args[i + 1]); del args[i:i + 2]
    if "--only" in args:
        i = args.index("--only"); only = args[i + 1]; del args[i:i + 2]
    if "--limit" in args:
        i = args.index("--limit"); limit = int(args[i + 1]); del args[i:i + 2]
    tool = args[0]
    ok = True
    with tempfile.TemporaryDirectory() as d:
        for name, (gen, full) in CLASSES.items():
            if only and name != only:
                continue
            n = max(10, int(full * scale))
            lines, what = gen(n)
            src, obj, out = (os.path.join(d, f"{name}.{e}") for e in ("S", "o", "out.o"))
            with open(src, "w") as f:
                f.write("\n".join(lines) + "\n")
            r = subprocess.run([CLANG, "--target=x86_64-linux-gnu", "-c", src, "-o", obj], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"bounds {name}: assembler failed: {r.stderr[:300]}")
                ok = False
                continue
            try:
                extra = ["--against-dwarf"] if name in DWARF_CLASSES else []
                r = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", tool, "check", "--orc", "--link", *extra, "--output", out, obj],
                                   capture_output=True, text=True, timeout=limit)
            except subprocess.TimeoutExpired:
                print(f"bounds {name}: {what}: over the {limit} s limit")
                ok = False
                continue
            m = re.search(r"TIME ([\d.]+) (\d+)", r.stderr)
            secs, kb = (float(m.group(1)), int(m.group(2))) if m else (0.0, 0)
            trapped = "Fatal error" in r.stderr or "runtime failure" in r.stderr
            refused = re.search(r"(\.\w+_frame) not compared: (.*)", r.stderr)
            note = f" ({refused.group(1)} not compared: {refused.group(2)})" if refused else ""
            if name == "debugrelocs":
                bare = os.path.join(d, "nodebug.o")
                subprocess.run(["strip", "--strip-debug", "-o", bare, obj], check=True)
                note += f" (stripped of its debug information: {peak_mb(tool, bare, out)} MB)"
            print(f"bounds {name}: {what} ({os.path.getsize(obj) // 1024} KB object), {secs:.2f} s, {kb // 1024} MB, exit {r.returncode}{note}",
                  flush=True)
            if r.returncode not in (0, 1, 3) or trapped:
                print("  " + r.stderr[-500:])
                ok = False
    sys.exit(0 if ok else 1)

if __name__ == "__main__":
    main()
