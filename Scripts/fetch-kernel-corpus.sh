#!/bin/bash
# fetch-kernel-corpus.sh [DIR] - download the real oracle material into a cache
# directory outside the repository (default: ~/.cache/unwindcheck-corpus):
#   DIR/kbuild-6.12/.../objtool.real-x86   Debian linux-kbuild-6.12.N+deb12 (the oracle)
#   DIR/kbuild-6.1/.../objtool             Debian linux-kbuild-6.1
#   DIR/corpus-amd64/**.ko                 linux-image-6.12.N+deb12-amd64-unsigned, decompressed
#   DIR/corpus-arm64/**.ko                 linux-image-6.12.N+deb12-arm64-unsigned, decompressed
#   DIR/amd64-list.txt, DIR/arm64-list.txt sorted module lists
#   DIR/inputs-amd64/**.ko + .list         objtool inputs: objtool-made sections stripped,
#                                          discarded .discard.* annotations re-created
#                                          (only with INPUTS=1; needs python3)
#   DIR/tools.env                          ABI=, OBJTOOL61=, OBJTOOL612=
# CORPUS61=1 also fetches Debian's 6.1 amd64 modules (see the end).
# Packages are fetched with `apt-get download` and unpacked with `dpkg -x`; nothing is
# installed system-wide except the arm64 dpkg architecture (needed to download the
# arm64 image package). Never commit anything from DIR.
# Time here: ~40 s download + unpack (2 cores); INPUTS=1 adds ~2 min.
set -eu
DIR=${1:-${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DIR/debs"
DIR=$(cd "$DIR" && pwd)
need_update=0
[ -n "$(find /var/lib/apt/lists -name '*Packages*' -newer /etc/apt/sources.list -print -quit 2>/dev/null)" ] || need_update=1
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64; need_update=1
fi
[ $need_update = 0 ] || apt-get update -qq
ABI=$(apt-cache search --names-only '^linux-kbuild-6\.12\..*\+deb12$' | awk '{print $1}' \
      | sed 's/^linux-kbuild-//' | sort -V | tail -1)
[ -n "$ABI" ] || { echo "fetch-kernel-corpus: no linux-kbuild-6.12.*+deb12 package found" >&2; exit 1; }
echo "fetch-kernel-corpus: newest 6.12 ABI $ABI -> $DIR"
cd "$DIR/debs"
get() { ls "$1"_*.deb >/dev/null 2>&1 || apt-get download -q "$2"; }
get linux-kbuild-6.1 linux-kbuild-6.1
get "linux-kbuild-$ABI" "linux-kbuild-$ABI"
get "linux-image-$ABI-amd64-unsigned" "linux-image-$ABI-amd64-unsigned"
get "linux-image-$ABI-arm64-unsigned" "linux-image-$ABI-arm64-unsigned:arm64"
cd "$DIR"
mkdir -p kbuild-6.1 kbuild-6.12
[ -d kbuild-6.1/usr ] || dpkg -x debs/linux-kbuild-6.1_*.deb kbuild-6.1
[ -d kbuild-6.12/usr ] || dpkg -x "$(ls debs/linux-kbuild-"$ABI"_*.deb)" kbuild-6.12
OBJTOOL61=$(ls "$DIR"/kbuild-6.1/usr/lib/linux-kbuild-6.1/tools/objtool/objtool)
OBJTOOL612=$(ls "$DIR"/kbuild-6.12/usr/lib/linux-kbuild-"$ABI"/tools/objtool/objtool.real-x86)
printf 'ABI=%s\nOBJTOOL61=%s\nOBJTOOL612=%s\n' "$ABI" "$OBJTOOL61" "$OBJTOOL612" > tools.env
unpack() { # amd64|arm64
  local deb img
  deb=$(ls debs/linux-image-"$ABI"-"$1"-unsigned_*.deb)
  if [ ! -s "$1-list.txt" ]; then
    img="$DIR/image-$1"; mkdir -p "$img" "corpus-$1"
    dpkg -x "$deb" "$img"
    (cd "$img"/lib/modules/*/kernel && find . -name '*.ko.xz' -print0 |
       xargs -0 -P"$(nproc)" -n 50 sh -c 'for f; do mkdir -p "$0/$(dirname "$f")";
         xz -dc "$f" > "$0/${f%.xz}"; done' "$DIR/corpus-$1")
    rm -rf "$img"
    find "$DIR/corpus-$1" -name '*.ko' | sort > "$1-list.txt"
  fi
  echo "fetch-kernel-corpus: $1: $(wc -l < "$1-list.txt") modules in $DIR/corpus-$1"
}
unpack amd64
unpack arm64
if [ "${INPUTS:-0}" = 1 ]; then
  PAR=$(nproc) "$HERE/make-objtool-inputs.sh" "$DIR/amd64-list.txt" "$DIR/inputs-amd64"
fi
# CORPUS61=1: Debian 12's 6.1 amd64 modules (built with objtool 6.1 per object file)
# into ${DIR61:-~/.cache/unwindcheck-corpus61}: corpus-amd64, list.txt and the prepared
# inputs (inputs-amd64, inputs-amd64.list), for Scripts/roundtrip-orc-61.py.
if [ "${CORPUS61:-0}" = 1 ]; then
  D61=${DIR61:-$HOME/.cache/unwindcheck-corpus61}
  mkdir -p "$D61/debs"; D61=$(cd "$D61" && pwd)
  IMG61=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' | awk '{print $1}' | sort -V | tail -1)
  [ -n "$IMG61" ] || { echo "fetch-kernel-corpus: no linux-image-6.1.0-*-amd64-unsigned package" >&2; exit 1; }
  (cd "$D61/debs" && { ls "$IMG61"_*.deb >/dev/null 2>&1 || apt-get download -q "$IMG61"; })
  if [ ! -s "$D61/list.txt" ]; then
    rm -rf "$D61/img"; mkdir -p "$D61/img" "$D61/corpus-amd64"
    dpkg -x "$(ls "$D61"/debs/"$IMG61"_*.deb)" "$D61/img"
    (cd "$D61"/img/lib/modules/*/kernel && find . -name '*.ko*' -print0 |
       xargs -0 -P"$(nproc)" -n 50 sh -c 'for f; do mkdir -p "$0/$(dirname "$f")";
         case "$f" in *.xz) xz -dc "$f" > "$0/${f%.xz}";; *) cp "$f" "$0/$f";; esac; done' "$D61/corpus-amd64")
    (cd "$D61" && find corpus-amd64 -name '*.ko' | sort > list.txt)
  fi
  (cd "$D61" && PAR=$(nproc) "$HERE/make-objtool-inputs.sh" list.txt "$D61/inputs-amd64")
  echo "fetch-kernel-corpus: 6.1 ($IMG61): $(wc -l < "$D61/list.txt") modules in $D61/corpus-amd64"
fi
cat tools.env
