#!/bin/bash
# build-kernel-module.sh [--kernel 6.1|6.12] [MODULE_SRC_DIR] - build an out-of-tree
# module against the real Debian amd64 headers of that kernel (default 6.12; unpacked
# by kbuild-headers.sh into the corpus cache, nothing installed), with objtool disabled (OBJECT_FILES_NON_STANDARD), and copy the
# compiler's object next to its source as NAME.o: a kernel-style test input whose
# ALTERNATIVE()/static-key/WARN/exception-table sites come from the kernel's own
# macros. Default: TestObjects/kernel-headers. Needs make, bc, gcc-12, pahole.
# (Adapted from shared/oracle/oot-build.sh.)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
KERNEL=6.12
if [ "${1:-}" = --kernel ]; then KERNEL=$2; shift 2; fi
SRC=$(cd "${1:-$HERE/../TestObjects/kernel-headers}" && pwd)
eval "$("$HERE/kbuild-headers.sh" "$KERNEL")"   # HDR, KROOT
BUILD="$KROOT/build-$(basename "$SRC")-raw"
rm -rf "$BUILD"; mkdir -p "$BUILD"
cp "$SRC"/Kbuild "$SRC"/*.c "$BUILD"/
echo 'OBJECT_FILES_NON_STANDARD := y' >> "$BUILD/Kbuild"
make -s -C "$HDR" M="$BUILD" modules
for c in "$SRC"/*.c; do
  n=$(basename "${c%.c}")
  cp "$BUILD/$n.o" "$SRC/$n.o"
  echo "built $SRC/$n.o with $(basename "$HDR") ($(gcc-12 --version | head -1))"
done
