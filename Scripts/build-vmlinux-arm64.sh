#!/bin/bash
# build-vmlinux-arm64.sh [DIR] - a whole arm64 kernel to validate: Debian's
# linux-source-6.12 cross-built for arm64 with Debian's gcc-aarch64-linux-gnu (gcc 12),
# arm64 defconfig with DWARF debug info (so the compiler's CFI is kept in .debug_frame),
# up to vmlinux. arm64 runs no objtool, so the vmlinux.o Kbuild links from vmlinux.a is
# the input as it is: every .altinstructions entry, every alternative callback, the KVM
# hyp code (nVHE objects are linked in as .hyp.* sections).
#
# Left in DIR/arm64 (DIR default ~/.cache/unwindcheck-vmlinux; never inside the
# repository), built out of tree from a source tree of its own (DIR/arm64/src: the x86
# defconfig build uses DIR/src in place):
#   vmlinux-raw.o   the input (a copy of build/vmlinux.o)
#   build.log       the build's output
#   config          the .config used
# Needs root (apt), ~9 GB of disk, about an hour on 2 cores. Rerunning skips finished
# steps. NICE=N runs the build at that niceness.
set -eu
DIR=${1:-${UNWINDCHECK_VMLINUX:-$HOME/.cache/unwindcheck-vmlinux}}
mkdir -p "$DIR/arm64"; DIR=$(cd "$DIR" && pwd)
OUT=$DIR/arm64
need=(flex bison bc libssl-dev cpio libelf-dev gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu)
if ! dpkg -s "${need[@]}" >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
cd "$DIR"
if [ ! -d "$OUT/src" ]; then
  ls linux-source-6.12_*.deb >/dev/null 2>&1 || apt-get download -q linux-source-6.12
  rm -rf "$OUT/unpack" && dpkg -x "$(ls linux-source-6.12_*.deb | sort -V | tail -1)" "$OUT/unpack"
  mkdir -p "$OUT/src.tmp" && tar xf "$OUT"/unpack/usr/src/linux-source-6.12.tar.xz -C "$OUT/src.tmp" --strip-components=1
  rm -rf "$OUT/unpack" && mv "$OUT/src.tmp" "$OUT/src"
fi
B=$OUT/build
mkdir -p "$B"
mk() { nice -n "${NICE:-0}" make -C "$OUT/src" O="$B" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- "$@"; }
if [ ! -f "$B/.config" ]; then
  mk -s defconfig
  # DWARF from the toolchain's default version; no BTF (it needs pahole and adds nothing here).
  "$OUT/src/scripts/config" --file "$B/.config" -d DEBUG_INFO_NONE -e DEBUG_INFO -e DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
    -d DEBUG_INFO_BTF -d DEBUG_INFO_REDUCED -d DEBUG_INFO_SPLIT -d DEBUG_INFO_COMPRESSED_ZLIB
  mk -s olddefconfig
fi
cp "$B/.config" "$OUT/config"
if [ ! -f "$B/vmlinux.o" ]; then
  echo "build-vmlinux-arm64: building arm64 defconfig vmlinux (log: $OUT/build.log)"
  mk -j"$(nproc)" vmlinux > "$OUT/build.log" 2>&1
fi
[ -f "$OUT/vmlinux-raw.o" ] || cp "$B/vmlinux.o" "$OUT/vmlinux-raw.o"
echo "build-vmlinux-arm64: $(stat -c %s "$OUT/vmlinux-raw.o") bytes; $OUT/vmlinux-raw.o"
