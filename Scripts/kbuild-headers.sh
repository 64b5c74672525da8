#!/bin/bash
# kbuild-headers.sh 6.1|6.12 - Debian's amd64 kernel headers of that kernel, unpacked
# with dpkg -x into the corpus cache (nothing installed): 6.12 the newest
# linux-headers-6.12.*+deb12-amd64, 6.1 Debian 12's newest linux-headers-6.1.0-N-amd64,
# each with its -common package and linux-kbuild (whose tools/objtool is the real
# objtool of that kernel). Prints shell assignments for eval:
#   KROOT=... (the unpacked root)  HDR=... (the headers directory, for make -C)
#   KVER=... (the kernel release, e.g. 6.1.0-57-amd64)  OBJTOOL=... (the real objtool)
set -eu
KERNEL=${1:?usage: kbuild-headers.sh 6.1|6.12}
DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
case "$KERNEL" in
  6.12) KROOT="$DIR/kroot"; pattern='^linux-headers-6\.12\.[0-9]+\+deb12-amd64$';;
  6.1) KROOT="$DIR/kroot61"; pattern='^linux-headers-6\.1\.0-[0-9]+-amd64$';;
  *) echo "kbuild-headers: kernel $KERNEL: supported 6.1, 6.12" >&2; exit 1;;
esac
mkdir -p "$KROOT/debs"
if ! ls "$KROOT"/debs/linux-headers-*-amd64_*.deb >/dev/null 2>&1; then
  [ -n "$(apt-cache search --names-only "$pattern" 2>/dev/null)" ] || apt-get update -qq >&2
  pkg=$(apt-cache search --names-only "$pattern" | awk '{print $1}' | sort -V | tail -1)
  [ -n "$pkg" ] || { echo "kbuild-headers: no package matches $pattern" >&2; exit 1; }
  abi=${pkg#linux-headers-}; abi=${abi%-amd64}
  case "$KERNEL" in 6.12) kbuild="linux-kbuild-$abi";; 6.1) kbuild=linux-kbuild-6.1;; esac
  (cd "$KROOT/debs" && apt-get download -q "$pkg" "linux-headers-$abi-common" "$kbuild" >&2)
fi
if [ ! -d "$KROOT/usr/src" ]; then
  for d in "$KROOT"/debs/*.deb; do dpkg -x "$d" "$KROOT"; done
fi
HDR=$(ls -d "$KROOT"/usr/src/linux-headers-*-amd64 | sort -V | tail -1)
COMMON=${HDR%-amd64}-common
# The package's Makefile includes the -common one by its installed path.
sed -i "s|^include .*/linux-headers-.*-common/Makefile|include $COMMON/Makefile|" "$HDR/Makefile"
KVER=${HDR##*/linux-headers-}
OBJTOOL=$HDR/tools/objtool/objtool
[ -e "$OBJTOOL.real-x86" ] && OBJTOOL=$OBJTOOL.real-x86
printf 'KROOT=%q\nHDR=%q\nKVER=%q\nOBJTOOL=%q\n' "$KROOT" "$HDR" "$KVER" "$OBJTOOL"
