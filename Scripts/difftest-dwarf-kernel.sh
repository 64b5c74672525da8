#!/bin/bash
# difftest-dwarf-kernel.sh - the DWARF cross-check on kernel code, two inputs:
#
#  1. Real 6.12 kernel sources (Debian linux-source-6.12: net/sched, crypto,
#     arch/x86/crypto, lib, fs/nls, three network drivers) compiled out of tree against
#     the real Debian 6.12 amd64 headers (the build-kernel-module.sh recipe, so Kbuild's
#     own flags, gcc-12, -g from the Debian config, objtool off) and kept as the
#     compiler's .o files: their .debug_frame is gcc's CFI for kernel code. Files that
#     do not build outside the tree are skipped (make -k).
#  2. Debian's linux-image-6.12.N+deb12-amd64-dbg modules (every STEP-th, default 10:
#     423 of 4,230; STEP=1: all, 6.4 GB unpacked): final modules with code and
#     .debug_frame. Where they disagree, the modules' own ORC (written by the real
#     objtool at build time) is read as a third opinion.
#
# Runs `unwindcheck check --against-dwarf --summary --module --ibt` on both and prints
#   kernel sources: N objects, dwarf: agree A, disagree D, not comparable K (P %)
#   dbg modules:    N modules, ...
# Findings go to $OUT/findings-{ksrc,dbg}.txt. ROWS=1 adds difftest-dwarf-rows.py on
# the kernel-source objects. Downloads (~1.2 GB, kept in the corpus cache):
# linux-source-6.12 and linux-image-...-dbg with apt-get download.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
STEP=${STEP:-10}
OUT=$DIR/ksrc/out
mkdir -p "$DIR/ksrc" "$DIR/debs" "$DIR/dbg-amd64" "$OUT"
ABI=$(apt-cache search --names-only '^linux-kbuild-6\.12\..*\+deb12$' | awk '{print $1}' \
      | sed 's/^linux-kbuild-//' | sort -V | tail -1)

# 1. Kernel sources built against the headers.
cd "$DIR/ksrc"
ls linux-source-6.12_*.deb >/dev/null 2>&1 || apt-get download -q linux-source-6.12 2>/dev/null
if [ ! -d linux-source-6.12/net/sched ]; then
  dpkg-deb --fsys-tarfile linux-source-6.12_*.deb | tar -x './usr/src/linux-source-6.12.tar.xz'
  tar -xJf usr/src/linux-source-6.12.tar.xz --wildcards 'linux-source-6.12/net/sched/*' \
    'linux-source-6.12/crypto/*' 'linux-source-6.12/arch/x86/crypto/*' 'linux-source-6.12/lib/*' \
    'linux-source-6.12/fs/nls/*' 'linux-source-6.12/drivers/net/dummy.c' \
    'linux-source-6.12/drivers/net/ifb.c' 'linux-source-6.12/drivers/net/veth.c'
  rm -f usr/src/linux-source-6.12.tar.xz
fi
# Headers: reuse build-kernel-module.sh's unpacked tree (run it once if missing).
HDR=$(ls -d "$DIR"/kroot/usr/src/linux-headers-6.12.*-amd64 2>/dev/null | sort -V | tail -1)
if [ -z "$HDR" ]; then "$HERE/build-kernel-module.sh" >/dev/null; HDR=$(ls -d "$DIR"/kroot/usr/src/linux-headers-6.12.*-amd64 | sort -V | tail -1); fi
# build_sources HEADERS BUILDDIR OUTDIR SUBDIR...: every .c of each kernel subdirectory
# as its own out-of-tree module (objtool off), the compiler's .o files copied to OUTDIR.
build_sources() {
  local hdr=$1 build=$2 out=$3 sub b o
  shift 3
  mkdir -p "$out"
  for sub in "$@"; do
    b=$build/${sub//\//_}
    rm -rf "$b"; mkdir -p "$b"
    cp "$DIR"/ksrc/linux-source-6.12/$sub/*.c "$b/" 2>/dev/null || true
    cp "$DIR"/ksrc/linux-source-6.12/$sub/*.h "$b/" 2>/dev/null || true
    { for c in "$b"/*.c; do echo "obj-m += $(basename "${c%.c}").o"; done
      echo 'OBJECT_FILES_NON_STANDARD := y'
      echo "ccflags-y += -I$b"; } > "$b/Kbuild"
    make -s -k -j2 -C "$hdr" M="$b" modules >/dev/null 2>&1 || true
    for o in "$b"/*.o; do
      case $o in *.mod.o) continue;; esac
      [ -f "${o%.o}.c" ] && cp "$o" "$out/${sub//\//_}-$(basename "$o")"
    done
  done
  touch "$out/.done"
}
OBJS=$DIR/ksrc/objs
[ -f "$OBJS/.done" ] || build_sources "$HDR" "$DIR/ksrc/build" "$OBJS" net/sched crypto arch/x86/crypto lib fs/nls drivers/net

# 1b. The same sources for arm64: the real Debian 6.12 arm64 headers, Kbuild with
# ARCH=arm64 and CROSS_COMPILE=aarch64-linux-gnu- (set by the headers' own
# .kernelvariables; Debian's gcc-12 cross compiler), host tools from the amd64 kbuild.
A64OBJS=$DIR/ksrc/objs-arm64
if [ "${ARM64:-1}" = 1 ] && [ ! -f "$A64OBJS/.done" ]; then
  command -v aarch64-linux-gnu-gcc-12 >/dev/null || apt-get install -y -qq --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross >/dev/null
  KA=$DIR/kroot-arm64
  mkdir -p "$KA/debs"
  ls "$KA"/debs/linux-headers-*-arm64_*.deb >/dev/null 2>&1 || (cd "$KA/debs" && apt-get download -q "linux-headers-$ABI-arm64:arm64" 2>/dev/null)
  for d in "$KA"/debs/*.deb "$DIR"/kroot/debs/linux-headers-6.12.*-common_*.deb "$DIR"/kroot/debs/linux-kbuild-6.12.*_amd64.deb; do
    dpkg -x "$d" "$KA"
  done
  HA=$(ls -d "$KA"/usr/src/linux-headers-6.12.*-arm64 | sort -V | tail -1)
  sed -i "s|^include .*/linux-headers-.*-common/Makefile|include ${HA%-arm64}-common/Makefile|" "$HA/Makefile"
  build_sources "$HA" "$DIR/ksrc/build-a64" "$A64OBJS" net/sched crypto lib fs/nls drivers/net
fi

# 2. The dbg sample.
DEB=$(ls "$DIR"/debs/linux-image-$ABI-amd64-dbg_*.deb 2>/dev/null | head -1 || true)
if [ -z "$DEB" ]; then
  (cd "$DIR/debs" && apt-get download -q "linux-image-$ABI-amd64-dbg" 2>/dev/null)
  DEB=$(ls "$DIR"/debs/linux-image-$ABI-amd64-dbg_*.deb | head -1)
fi
if [ ! -f "$DIR/dbg-amd64/.done-$STEP" ]; then
  dpkg-deb -c "$DEB" | grep -o '\./usr/lib/debug/lib/modules/.*\.ko$' | awk -v s="$STEP" 'NR%s==1' > "$DIR/dbg-amd64/sample.list"
  dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$DIR/dbg-amd64" -T "$DIR/dbg-amd64/sample.list"
  touch "$DIR/dbg-amd64/.done-$STEP"
fi

# 3. Cross-check.
cd "$ROOT"
swift build -c release --product unwindcheck >/dev/null
U=$ROOT/.build/release/unwindcheck
report() { # name summary-file count-text
  local line pct a d
  # xargs may run several processes, each ending with its own total: add them up.
  line=$(grep -E '^dwarf: agree' "$2" | awk '{gsub(",",""); a+=$3; d+=$5; k+=$8} END {printf "dwarf: agree %d, disagree %d, not comparable %d", a, d, k}')
  a=$(echo "$line" | sed -E 's/^dwarf: agree ([0-9]+),.*/\1/'); d=$(echo "$line" | sed -E 's/.*disagree ([0-9]+),.*/\1/')
  pct=$(python3 -c "print(f'{100*$a/max(1,$a+$d):.3f}')")
  echo "$1: $3, $line (agreement $pct %)"
  echo "  by reason: $(grep -h ': dwarf (' "$2" | python3 "$HERE/lib/sum-dwarf-reasons.py")"
}
ls "$OBJS"/*.o > "$OUT/ksrc.list"
xargs "$U" check --against-dwarf --summary --module --ibt < "$OUT/ksrc.list" > "$OUT/summary-ksrc.txt" 2> "$OUT/findings-ksrc.txt" || true
report "kernel sources" "$OUT/summary-ksrc.txt" "$(wc -l < "$OUT/ksrc.list") objects"
if [ "${ROWS:-0}" = 1 ]; then xargs python3 "$HERE/difftest-dwarf-rows.py" "$U" < "$OUT/ksrc.list" | tail -1 | sed 's/^/  /'; fi
if [ -f "$A64OBJS/.done" ]; then
  ls "$A64OBJS"/*.o > "$OUT/ksrc-arm64.list"
  xargs "$U" check --against-dwarf --summary --module < "$OUT/ksrc-arm64.list" > "$OUT/summary-ksrc-arm64.txt" 2> "$OUT/findings-ksrc-arm64.txt" || true
  report "kernel sources arm64" "$OUT/summary-ksrc-arm64.txt" "$(wc -l < "$OUT/ksrc-arm64.list") objects"
  if [ "${ROWS:-0}" = 1 ]; then xargs python3 "$HERE/difftest-dwarf-rows.py" "$U" < "$OUT/ksrc-arm64.list" | tail -1 | sed 's/^/  /'; fi
fi
find "$DIR/dbg-amd64" -name '*.ko' | sort > "$OUT/dbg.list"
xargs "$U" check --against-dwarf --summary --module --ibt < "$OUT/dbg.list" > "$OUT/summary-dbg.txt" 2> "$OUT/findings-dbg.txt" || true
report "dbg modules" "$OUT/summary-dbg.txt" "$(wc -l < "$OUT/dbg.list") modules"
# Where DWARF and unwindcheck disagree, the module's own ORC (objtool's) is a third opinion.
grep -h '\[UV1301\]' "$OUT/findings-dbg.txt" | sed -E 's/\.ko: .*/.ko/' | sort -u > "$OUT/disagreeing-modules.txt"
if [ -s "$OUT/disagreeing-modules.txt" ]; then
  xargs python3 "$HERE/lib/dwarf-disagreements-vs-orc.py" "$U" < "$OUT/disagreeing-modules.txt" | tail -1 | sed 's/^/  /'
fi
