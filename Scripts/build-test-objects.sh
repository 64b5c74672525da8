#!/bin/bash
# build-test-objects.sh - rebuild the committed objects in TestObjects/ from their
# sources and record the exact tool versions in TestObjects/TOOLCHAIN.txt.
#   x86_64/*.S, x86_64/cfi/*.S   Swift toolchain clang --target=x86_64-linux-gnu
#   x86_64/dwarf/*.S   the same, with -g (line tables for --against-dwarf findings)
#   arm64/*.S      Swift toolchain clang --target=aarch64-linux-gnu
#   arm64/kernel/*.S  the same (constructs of the arm64 kernel proper)
#   bigendian/*.S  Swift toolchain clang --target=aarch64_be-linux-gnu
#   other/elf32.S  Swift toolchain clang --target=i386-linux-gnu (an input we refuse)
#   x86_64/kcfi/kcfi.c  the same clang, -O2 -fsanitize=kcfi (kCFI preambles)
#   x86_64/mcount/mcount.c  gcc -O2 -pg -mfentry -fno-pic -mcmodel=kernel (ftrace calls)
#   x86_64/noinstr/noinstr.c  gcc -O2 -fsanitize-coverage=trace-pc -fno-pic -mcmodel=kernel
#   arm64/cfi/*.S  clang --target=aarch64-linux-gnu -g
#   compiled/switch.c  aarch64-linux-gnu-gcc and clang -O2 (arm64 jump tables)
#   compiled/cgoto.c   aarch64-linux-gnu-gcc -O2 -fno-omit-frame-pointer (computed goto)
#   sframe/list_sort.*.o  compiled/list_sort.c with gcc -Wa,--gsframe (x86-64 ±fp, aarch64 pac-ret with the A and the B key): the assembler's SFrame
#   compiled/*.c   gcc -O2 (x86-64, with and without frame pointers) and clang -O2
#                  (x86-64 and aarch64), -fasynchronous-unwind-tables
# The swift toolchain's clang is always present where Swift is; gcc is Debian's.
set -eu
cd "$(dirname "$0")/../TestObjects"
CLANG=${CLANG:-$(dirname "$(readlink -f "$(command -v swift)")")/clang}
GCC=${GCC:-gcc}
[ -x "$CLANG" ] || { echo "no clang next to swift ($CLANG)"; exit 1; }

asm() { # target dir
  for s in "$2"/*.S; do
    "$CLANG" --target="$1" -c "$s" -o "${s%.S}.o"
    echo "  $s -> ${s%.S}.o ($1)"
  done
}
asm x86_64-linux-gnu x86_64
asm x86_64-linux-gnu x86_64/cfi
# Two files with a same-named local function and .cold part each, linked as a module
# is (ld -r), without STT_FILE symbols (Debian's 6.1 modules have none).
( cd x86_64/cfi/samecold && for f in a b; do "$CLANG" --target=x86_64-linux-gnu -c $f.S -o /tmp/samecold-$f.$$.o; done
  ld -r /tmp/samecold-a.$$.o /tmp/samecold-b.$$.o -o /tmp/samecold.$$.o
  objcopy --strip-symbol=samecold-a.$$.o --strip-symbol=samecold-b.$$.o /tmp/samecold.$$.o ../samecold.o
  rm -f /tmp/samecold-[ab].$$.o /tmp/samecold.$$.o
  echo "  x86_64/cfi/samecold/{a,b}.S -> x86_64/cfi/samecold.o (ld -r)" )
asm x86_64-linux-gnu x86_64/alt
asm x86_64-linux-gnu x86_64/annotate
asm x86_64-linux-gnu x86_64/alt61
asm x86_64-linux-gnu x86_64/mitigations
asm x86_64-linux-gnu x86_64/uaccess
asm x86_64-linux-gnu x86_64/ibt
asm x86_64-linux-gnu x86_64/staticcall
asm x86_64-linux-gnu x86_64/entry
asm x86_64-linux-gnu x86_64/noinstrext
asm x86_64-linux-gnu x86_64/unretfail
asm x86_64-linux-gnu x86_64/undefcfa
asm x86_64-linux-gnu x86_64/badtables
asm aarch64-linux-gnu arm64/badtables
# DWARF cross-check cases: with line information (-g), so findings carry file:line.
for s in x86_64/dwarf/*.S; do
  "$CLANG" --target=x86_64-linux-gnu -g -c "$s" -o "${s%.S}.o"
  echo "  $s -> ${s%.S}.o (x86_64-linux-gnu, -g)"
done
asm aarch64-linux-gnu arm64
asm aarch64-linux-gnu arm64/kernel
# ftrace entry calls (call __fentry__, no __mcount_loc from gcc) for --mcount/--mnop.
gcc -O2 -pg -mfentry -fno-pic -mcmodel=kernel -fno-asynchronous-unwind-tables -c x86_64/mcount/mcount.c -o x86_64/mcount/mcount.o
echo "  x86_64/mcount/mcount.c -> x86_64/mcount/mcount.o (gcc -pg -mfentry)"
# KCOV calls in .noinstr.text for --hacks=noinstr.
gcc -O2 -fsanitize-coverage=trace-pc -fno-pic -mcmodel=kernel -fno-asynchronous-unwind-tables -c x86_64/noinstr/noinstr.c -o x86_64/noinstr/noinstr.o
echo "  x86_64/noinstr/noinstr.c -> x86_64/noinstr/noinstr.o (gcc -fsanitize-coverage=trace-pc)"
# kCFI preambles (__cfi_<func>) for --cfi.
"$CLANG" --target=x86_64-linux-gnu -O2 -fsanitize=kcfi -fno-asynchronous-unwind-tables -c x86_64/kcfi/kcfi.c -o x86_64/kcfi/kcfi.o
echo "  x86_64/kcfi/kcfi.c -> x86_64/kcfi/kcfi.o (-fsanitize=kcfi)"
for s in arm64/cfi/*.S; do  # arm64 stack-validation cases, with -g for the EXPECT lines
  "$CLANG" --target=aarch64-linux-gnu -g -c "$s" -o "${s%.S}.o"
  echo "  $s -> ${s%.S}.o (aarch64-linux-gnu, -g)"
done
asm aarch64_be-linux-gnu bigendian
"$CLANG" --target=i386-linux-gnu -c other/elf32.S -o other/elf32.o

CFLAGS="-O2 -fasynchronous-unwind-tables -fno-pic -mno-red-zone"
# arm64 switch tables: Debian's aarch64-linux-gnu-gcc (gcc-aarch64-linux-gnu) and clang.
if command -v aarch64-linux-gnu-gcc >/dev/null; then
  aarch64-linux-gnu-gcc -O2 -fasynchronous-unwind-tables -c compiled/switch.c -o compiled/switch.gcc-arm64.o
  # SFrame oracles: GNU as 2.40's own .sframe (version 1) beside the code
  aarch64-linux-gnu-gcc -O2 -fno-omit-frame-pointer -mbranch-protection=pac-ret -Wa,--gsframe -c compiled/list_sort.c -o sframe/list_sort.gcc-arm64.o
  aarch64-linux-gnu-gcc -O2 -fno-omit-frame-pointer -mbranch-protection=pac-ret+b-key -Wa,--gsframe -c compiled/list_sort.c -o sframe/list_sort.gcc-arm64-bkey.o
  # the arm64 kernel's ftrace entry: two NOPs before the symbol, two after it before .cfi_startproc
  aarch64-linux-gnu-gcc -O2 -fno-omit-frame-pointer -fpatchable-function-entry=4,2 -Wa,--gsframe -c compiled/list_sort.c -o sframe/list_sort.gcc-arm64-patchable.o
  # computed goto (the BPF interpreter's shape), frame pointers as the kernel builds
  aarch64-linux-gnu-gcc -O2 -fno-omit-frame-pointer -fasynchronous-unwind-tables -c compiled/cgoto.c -o compiled/cgoto.gcc-arm64.o
fi
"$CLANG" --target=aarch64-linux-gnu -O2 -fasynchronous-unwind-tables -c compiled/switch.c -o compiled/switch.clang-arm64.o
# clang's shrink-wrapped early return (.cfi_remember_state/.cfi_restore_state), its SFrame
# written by GNU as 2.40 (wrongly: TestObjects/sframe, SFrameTests)
if command -v aarch64-linux-gnu-as >/dev/null; then
  "$CLANG" --target=aarch64-linux-gnu -fno-integrated-as -O2 -fno-omit-frame-pointer -Wa,--gsframe -c compiled/shrinkwrap.c -o sframe/shrinkwrap.clang-arm64.o
fi
echo "  compiled/switch.c -> compiled/switch.{gcc,clang}-arm64.o"
gcc -O2 -fasynchronous-unwind-tables -Wa,--gsframe -c compiled/list_sort.c -o sframe/list_sort.gcc-x86_64.o
gcc -O2 -fno-omit-frame-pointer -Wa,--gsframe -c compiled/list_sort.c -o sframe/list_sort.gcc-x86_64-fp.o
echo "  compiled/list_sort.c -> sframe/list_sort.{gcc-x86_64,gcc-x86_64-fp,gcc-arm64}.o (-Wa,--gsframe)"
as --gsframe x86_64/dwarf/wrongcfi.S -o sframe/wrongcfi.o
as --gsframe sframe/drap.S -o sframe/drap.o
as --gsframe sframe/pcrel.S -o sframe/pcrel.o
echo "  x86_64/dwarf/wrongcfi.S, sframe/drap.S, sframe/pcrel.S -> sframe/{wrongcfi,drap,pcrel}.o (GNU as --gsframe)"
for c in compiled/list_sort.c; do
  b=${c%.c}
  "$GCC" $CFLAGS -c "$c" -o "$b.gcc-x86_64.o"
  "$GCC" $CFLAGS -fno-omit-frame-pointer -c "$c" -o "$b.gcc-x86_64-fp.o"
  "$CLANG" --target=x86_64-linux-gnu $CFLAGS -c "$c" -o "$b.clang-x86_64.o"
  "$CLANG" --target=aarch64-linux-gnu -O2 -fasynchronous-unwind-tables -c "$c" -o "$b.clang-arm64.o"
  echo "  $c -> $b.{gcc-x86_64,gcc-x86_64-fp,clang-x86_64,clang-arm64}.o"
done

{
  echo "# Tools that built the committed objects (Scripts/build-test-objects.sh)"
  echo "clang: $("$CLANG" --version | head -1)"
  echo "gcc: $("$GCC" --version | head -1)"
  echo "C flags: $CFLAGS (clang arm64: -O2 -fasynchronous-unwind-tables)"
  [ -f kernel-headers/patchsites.o ] && echo "kernel-headers/patchsites.o: gcc-12 with the Debian 6.12 amd64 headers (Scripts/build-kernel-module.sh; not rebuilt here)"
} > TOOLCHAIN.txt
cat TOOLCHAIN.txt
