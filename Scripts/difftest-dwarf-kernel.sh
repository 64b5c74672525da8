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
mkdir -p "$DIR/debs" "$DIR/dbg-amd64" "$OUT"
# shellcheck source=lib/kernel-sources.sh
. "$HERE/lib/kernel-sources.sh"

# 1. Kernel sources built against the headers.
OBJS=$DIR/ksrc/objs
[ -f "$OBJS/.done" ] || build_sources "$HDR" "$DIR/ksrc/build" "$OBJS" net/sched crypto arch/x86/crypto lib fs/nls drivers/net

# 1b. The same sources for arm64.
A64OBJS=$DIR/ksrc/objs-arm64
if [ "${ARM64:-1}" = 1 ] && [ ! -f "$A64OBJS/.done" ]; then
  arm64_headers
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
