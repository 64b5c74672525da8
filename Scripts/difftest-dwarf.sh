#!/bin/bash
# difftest-dwarf.sh - the DWARF cross-check on real open-source C code.
#
# x86-64 and arm64 (aarch64-linux-gnu-gcc from Debian, clang --target=aarch64-linux-gnu;
# -mbranch-protection=pac-ret+bti in the *-pac configurations).
# Fetches Debian bookworm's sources of zlib, bzip2, lua5.4, libpng1.6, pcre2 and
# sqlite3 (apt-get source --download-only with a private source list, into
# $UNWINDCHECK_CORPUS/csrc, default ~/.cache/unwindcheck-corpus/csrc; nothing is
# installed), compiles every library file with
#   gcc -O2 and clang -O2 (the Swift toolchain's), each with -fasynchronous-unwind-tables
#   -g and with -fno-omit-frame-pointer / -fomit-frame-pointer
# and runs `unwindcheck check --against-dwarf --summary` on each configuration's
# objects. The compilers' .eh_frame is the oracle. Prints per configuration
#   CONFIG: N objects, dwarf: agree A, disagree D, not comparable K (agreement P %)
# and the total line `dwarf: agree ..., disagree ..., not comparable ...`.
# Findings (each disagreement) go to OUT/findings-CONFIG.txt, summaries to
# OUT/summary-CONFIG.txt (OUT: $DIR/out). ROWS=1 also runs difftest-dwarf-rows.py
# (libdw's rows as unwindcheck reads them versus readelf's) over every object.
# Time here (2 cores): ~4 min to build the objects once, ~1 min per check run.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
GCC=${GCC:-gcc}
# shellcheck source=lib/csrc-libs.sh
. "$HERE/lib/csrc-libs.sh"
CONFIGS=${CONFIGS:-"gcc-fp gcc-nofp clang-fp clang-nofp a64-gcc-fp a64-gcc-nofp a64-gcc-pac a64-clang-fp a64-clang-nofp a64-clang-pac"}
case " $CONFIGS " in *" a64-"*)
  if ! command -v aarch64-linux-gnu-gcc >/dev/null || [ ! -d /usr/aarch64-linux-gnu/include ]; then
    apt-get install -y -qq --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross >/dev/null
  fi;;
esac
BASE="-O2 -g -fasynchronous-unwind-tables -w"

# 3. Build.
for cfg in $CONFIGS; do
  config_compiler "$cfg"
  build_libs "$DIR/obj/$cfg" $BASE $F
done

# 4. Cross-check.
cd "$ROOT"
swift build -c release --product unwindcheck >/dev/null
U=$ROOT/.build/release/unwindcheck
ta=0; td=0; tk=0
for cfg in $CONFIGS; do
  objs=$(ls "$DIR/obj/$cfg"/*.o)
  "$U" check --against-dwarf --summary $objs >"$OUT/summary-$cfg.txt" 2>"$OUT/findings-$cfg.txt" || true
  line=$(tail -1 "$OUT/summary-$cfg.txt")
  read -r a d k < <(echo "$line" | sed -E 's/dwarf: agree ([0-9]+), disagree ([0-9]+), not comparable ([0-9]+)/\1 \2 \3/')
  ta=$((ta + a)); td=$((td + d)); tk=$((tk + k))
  pct=$(python3 -c "print(f'{100*$a/max(1,$a+$d):.3f}')")
  echo "$cfg: $(echo "$objs" | wc -w) objects, $line (agreement $pct %)"
  echo "  by reason: $(grep -h ': dwarf (' "$OUT/summary-$cfg.txt" | python3 "$HERE/lib/sum-dwarf-reasons.py")"
  if [ "${ROWS:-0}" = 1 ]; then
    python3 "$HERE/difftest-dwarf-rows.py" "$U" $objs | tail -1 | sed 's/^/  /'
  fi
done
pct=$(python3 -c "print(f'{100*$ta/max(1,$ta+$td):.3f}')")
echo "dwarf: agree $ta, disagree $td, not comparable $tk (agreement $pct % of comparable boundaries)"
