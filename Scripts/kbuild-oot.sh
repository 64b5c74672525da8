#!/bin/bash
# kbuild-oot.sh [MODULE_SRC_DIR] - a real Kbuild build of out-of-tree modules against
# Debian's linux-headers-6.12 (unpacked with dpkg -x into the corpus cache; nothing is
# installed), twice: once with Kbuild's own objtool, once with unwindcheck standing in
# (`make ... objtool=DIR/objtool`, a link to the release binary, which then runs as
# objtool). Compares every .ko byte for byte and, where they differ, prints which
# sections differ (Scripts/compare-objects.py). Default: TestObjects/kbuild-oot.
# Prints "kbuild-oot: N modules, I identical, D differ" and exits 1 if any differs.
# Needs make, bc, gcc-12, pahole (apt-get install pahole).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "${1:-$HERE/../TestObjects/kbuild-oot}" && pwd)
DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
KROOT="$DIR/kroot"
mkdir -p "$KROOT/debs"
(
  cd "$KROOT/debs"
  if ! ls linux-headers-6.12.*-amd64_*.deb >/dev/null 2>&1; then
    ABI=$(apt-cache search --names-only '^linux-kbuild-6\.12\..*\+deb12$' | awk '{print $1}' \
          | sed 's/^linux-kbuild-//' | sort -V | tail -1)
    apt-get download -q "linux-headers-$ABI-amd64" "linux-headers-$ABI-common" "linux-kbuild-$ABI"
  fi
  for d in linux-headers-6.12.*-amd64_*.deb linux-headers-6.12.*-common_*.deb linux-kbuild-6.12.*_amd64.deb; do
    dpkg -x "$d" "$KROOT"
  done
)
HDR=$(ls -d "$KROOT"/usr/src/linux-headers-6.12.*-amd64 | sort -V | tail -1)
COMMON=${HDR%-amd64}-common
sed -i "s|^include .*/linux-headers-.*-common/Makefile|include $COMMON/Makefile|" "$HDR/Makefile"
B=$("$HERE/build-release.sh")
TOOLDIR="$KROOT/unwindcheck-as-objtool"
mkdir -p "$TOOLDIR"
ln -sf "$B" "$TOOLDIR/objtool"
# Both builds in the same directory (paths end up in debug info and WARN strings),
# their results kept aside.
BUILD="$KROOT/build-oot"
for which in objtool unwindcheck; do
  rm -rf "$BUILD"; mkdir -p "$BUILD"
  cp "$SRC"/Kbuild "$SRC"/*.[chS] "$BUILD"/ 2>/dev/null || true
  if [ "$which" = objtool ]; then
    make -s -C "$HDR" M="$BUILD" modules
  else
    make -s -C "$HDR" M="$BUILD" objtool="$TOOLDIR/objtool" modules
  fi
  rm -rf "$KROOT/result-$which"; mkdir -p "$KROOT/result-$which"
  cp "$BUILD"/*.ko "$BUILD"/*.o "$KROOT/result-$which"/
done
n=0; objs=0; same=0; btf=0; differ=0
for ko in "$KROOT"/result-objtool/*.ko; do
  name=$(basename "$ko"); n=$((n + 1))
  o="${name%.ko}.o"
  # unwindcheck lays the file out its own way (objtool rewrites it through libelf):
  # the same sections with the same contents and symbols count as the same object.
  if cmp -s "$KROOT/result-objtool/$o" "$KROOT/result-unwindcheck/$o"; then
    objs=$((objs + 1)); echo "$o (objtool's output): identical"
  elif layout=$(python3 "$HERE/compare-objects.py" "$KROOT/result-objtool/$o" "$KROOT/result-unwindcheck/$o"); then
    objs=$((objs + 1)); echo "$o (objtool's output): $layout"
  else
    echo "$o (objtool's output): differs"; echo "$layout" | sed 's/^/  /'
  fi
  if cmp -s "$ko" "$KROOT/result-unwindcheck/$name"; then
    same=$((same + 1)); echo "$name: identical"
  else
    report=$(python3 "$HERE/compare-objects.py" "$ko" "$KROOT/result-unwindcheck/$name" || true)
    if [ "$report" = ".BTF: contents differ"* ] || [ "$(echo "$report" | grep -v '^\.BTF: ' | grep -v '^\.note\.gnu\.build-id: ')" = "" ]; then
      btf=$((btf + 1)); echo "$name: identical but for .BTF (pahole)"
    else
      differ=$((differ + 1)); echo "$name: differs"; echo "$report" | sed 's/^/  /'
    fi
  fi
done
echo "kbuild-oot: $n modules: objtool outputs $objs the same (sections, contents, symbols), .ko $((same + btf)) identical ($btf differ only in .BTF), $((n - objs + differ)) differ"
[ "$objs" = "$n" ] && [ "$differ" = 0 ]
