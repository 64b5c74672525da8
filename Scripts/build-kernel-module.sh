#!/bin/bash
# build-kernel-module.sh [MODULE_SRC_DIR] - build an out-of-tree module against the
# real Debian 6.12 amd64 headers (unpacked with dpkg -x into the corpus cache, nothing
# installed), with objtool disabled (OBJECT_FILES_NON_STANDARD), and copy the
# compiler's object next to its source as NAME.o: a kernel-style test input whose
# ALTERNATIVE()/static-key/WARN/exception-table sites come from the kernel's own
# macros. Default: TestObjects/kernel-headers. Needs make, bc, gcc-12, pahole.
# (Adapted from shared/oracle/oot-build.sh.)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "${1:-$HERE/../TestObjects/kernel-headers}" && pwd)
DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
KROOT="$DIR/kroot"
mkdir -p "$KROOT/debs"
cd "$KROOT/debs"
if ! ls linux-headers-6.12.*-amd64_*.deb >/dev/null 2>&1; then
  ABI=$(apt-cache search --names-only '^linux-kbuild-6\.12\..*\+deb12$' | awk '{print $1}' \
        | sed 's/^linux-kbuild-//' | sort -V | tail -1)
  apt-get download -q "linux-headers-$ABI-amd64" "linux-headers-$ABI-common" "linux-kbuild-$ABI"
fi
for d in linux-headers-6.12.*-amd64_*.deb linux-headers-6.12.*-common_*.deb linux-kbuild-6.12.*_amd64.deb; do
  dpkg -x "$d" "$KROOT"
done
HDR=$(ls -d "$KROOT"/usr/src/linux-headers-6.12.*-amd64 | sort -V | tail -1)
COMMON=${HDR%-amd64}-common
sed -i "s|^include .*/linux-headers-.*-common/Makefile|include $COMMON/Makefile|" "$HDR/Makefile"
BUILD="$KROOT/build-$(basename "$SRC")"
rm -rf "$BUILD"; mkdir -p "$BUILD"
cp "$SRC"/Kbuild "$SRC"/*.c "$BUILD"/
echo 'OBJECT_FILES_NON_STANDARD := y' >> "$BUILD/Kbuild"
make -s -C "$HDR" M="$BUILD" modules
for c in "$SRC"/*.c; do
  n=$(basename "${c%.c}")
  cp "$BUILD/$n.o" "$SRC/$n.o"
  echo "built $SRC/$n.o with $(basename "$HDR") ($(gcc-12 --version | head -1))"
done
