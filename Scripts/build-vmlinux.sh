#!/bin/bash
# build-vmlinux.sh [DIR] - a whole kernel to validate, with the real objtool's verdicts.
# Debian's linux-source-6.12 (from the Debian registry) configured with x86_64_defconfig
# (UNWINDER_ORC and X86_KERNEL_IBT, so Kbuild runs objtool once on vmlinux.o with --link)
# is built up to vmlinux; then vmlinux.o is linked again from vmlinux.a WITHOUT objtool, so
# every .discard.* annotation and unwind hint is still there. Left in DIR (default
# ~/.cache/unwindcheck-vmlinux; never inside the repository):
#   vmlinux-raw.o        the input (~51 MB, ~4.9 M instructions)
#   objtool              the kernel tree's own objtool (the oracle)
#   orcprefix.o/.orc/.warn  objtool --orc --prefix=16 --link: object, --dump=orc text, stderr
#   full.o/.orc/.warn    objtool with the full vmlinux flag set of Kbuild
#   objtool.time         "SECONDS MAXRSS_KB" of the --orc --prefix=16 --link run
# Needs root (apt), ~6 GB of disk, ~21 min on 2 cores. Rerunning skips finished steps.
set -eu
DIR=${1:-${UNWINDCHECK_VMLINUX:-$HOME/.cache/unwindcheck-vmlinux}}
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
if ! dpkg -s flex bison bc libssl-dev cpio libelf-dev >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq flex bison bc libssl-dev cpio libelf-dev >/dev/null
fi
cd "$DIR"
if [ ! -d src ]; then
  ls linux-source-6.12_*.deb >/dev/null 2>&1 || apt-get download -q linux-source-6.12
  rm -rf unpack && dpkg -x linux-source-6.12_*.deb unpack
  mkdir -p src.tmp && tar xf unpack/usr/src/linux-source-6.12.tar.xz -C src.tmp --strip-components=1
  rm -rf unpack && mv src.tmp src
fi
cd src
[ -f .config ] || make -s x86_64_defconfig
if [ ! -f vmlinux ]; then
  echo "build-vmlinux: building vmlinux (log: $DIR/build.log)"
  make -j"$(nproc)" vmlinux > "$DIR/build.log" 2>&1
fi
cp tools/objtool/objtool "$DIR/objtool"
[ -f "$DIR/vmlinux-raw.o" ] || ld -m elf_x86_64 -z noexecstack --no-warn-rwx-segments -r \
   -o "$DIR/vmlinux-raw.o" --whole-archive vmlinux.a --no-whole-archive
cd "$DIR"
OT=$DIR/objtool
if [ ! -f orcprefix.orc ]; then
  cp vmlinux-raw.o orcprefix.o
  /usr/bin/time -f "%e %M" -o objtool.time "$OT" --orc --prefix=16 --link orcprefix.o 2> orcprefix.warn || true
  "$OT" --dump=orc orcprefix.o > orcprefix.orc
fi
if [ ! -f full.orc ]; then
  cp vmlinux-raw.o full.o
  "$OT" --hacks=jump_label --hacks=noinstr --hacks=skylake --ibt --orc --retpoline --rethunk \
     --static-call --uaccess --prefix=16 --noinstr --unret --link full.o 2> full.warn || true
  "$OT" --dump=orc full.o > full.orc
fi
echo "build-vmlinux: objtool $(cat objtool.time) (s, KB); $(wc -l < orcprefix.orc) ORC entries; $DIR/vmlinux-raw.o"
