#!/bin/bash
# difftest-sframe.sh - SFrame on real open-source C code: GNU as 2.40's version-1
# .sframe (from the compiler's .cfi directives: -Wa,--gsframe) against the CFI
# unwindcheck computes from the instructions, and binutils' readelf reading the
# .sframe unwindcheck writes.
#
# The six libraries of difftest-dwarf.sh (lib/csrc-libs.sh), every file compiled with
#   gcc-fp / gcc-nofp          gcc -O2 -Wa,--gsframe, with / without frame pointers (x86-64)
#   clang-fp                   clang -O2 -fno-integrated-as -Wa,--gsframe (GNU as writes the SFrame)
#   a64-gcc-fp / -nofp / -pac  aarch64-linux-gnu-gcc, the last -mbranch-protection=pac-ret+bti
# with -g into $UNWINDCHECK_CORPUS/csrc/sframe-obj-g/CONFIG, then per configuration
#   unwindcheck check --against-sframe --against-dwarf --summary   (functions compared, agreeing, instructions,
#                                                   functions without an entry)
#   unwindcheck check --sframe --against-dwarf --replace --output  (a copy with our own .sframe) and readelf
#                                                   --sframe on it (its FDE count)
# Prints per configuration
#   CONFIG: N objects, F functions compared, A agree (P %), D disagree, M reached without an
#           entry; instructions I (X disagreeing); ours read back by readelf: R FDEs
# Findings go to OUT/sframe-findings-CONFIG.txt. ~4 min to build, ~1 min to check.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib/csrc-libs.sh
. "$HERE/lib/csrc-libs.sh"
CONFIGS=${CONFIGS:-"gcc-fp gcc-nofp clang-fp a64-gcc-fp a64-gcc-nofp a64-gcc-pac"}
# (-g: with --against-dwarf the walk knows the functions DWARF marks noreturn, as the
# compiler did when it wrote the CFI.)
BASE="-O2 -g -w -Wa,--gsframe"
for cfg in $CONFIGS; do
  case $cfg in
    gcc-fp) CC=gcc; F="-fno-omit-frame-pointer";;
    gcc-nofp) CC=gcc; F="-fomit-frame-pointer";;
    clang-fp) CC="$CLANG -fno-integrated-as"; F="-fno-omit-frame-pointer";;
    a64-gcc-fp) CC=aarch64-linux-gnu-gcc; F="-fno-omit-frame-pointer";;
    a64-gcc-nofp) CC=aarch64-linux-gnu-gcc; F="-fomit-frame-pointer";;
    a64-gcc-pac) CC=aarch64-linux-gnu-gcc; F="-fno-omit-frame-pointer -mbranch-protection=pac-ret+bti";;
  esac
  odir=$DIR/sframe-obj-g/$cfg
  [ -f "$odir/.done" ] && continue
  mkdir -p "$odir"
  for lib in "${LIBS[@]}"; do
    IFS='|' read -r name flags srcs <<<"$lib"
    for s in $srcs; do echo "$s"; done | xargs -P2 -I{} sh -c "$CC $BASE $F $flags -c {} -o $odir/$name-\$(basename {} .c).o"
  done
  touch "$odir/.done"
done
cd "$ROOT"
swift build -c release --product unwindcheck >/dev/null
U=$ROOT/.build/release/unwindcheck
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for cfg in $CONFIGS; do
  objs=$(ls "$DIR/sframe-obj-g/$cfg"/*.o)
  "$U" check --against-sframe --against-dwarf --summary $objs >"$T/summary" 2>"$OUT/sframe-findings-$cfg.txt" || true
  read -r f i x m < <(sed -nE 's/.*sframe: ([0-9]+) functions compared \(([0-9]+) instructions, ([0-9]+) disagreeing\), ([0-9]+) reached.*/\1 \2 \3 \4/p' "$T/summary" |
    awk '{f+=$1; i+=$2; x+=$3; m+=$4} END {print f+0, i+0, x+0, m+0}')
  d=$(grep -c '\[UV1902\]' "$OUT/sframe-findings-$cfg.txt" || true)
  readelf=readelf; case $cfg in a64-*) readelf=aarch64-linux-gnu-readelf;; esac
  r=0
  for o in $objs; do
    "$U" check --sframe --against-dwarf --replace --output "$T/o.o" "$o" >/dev/null 2>&1 || true
    n=$("$readelf" --sframe "$T/o.o" 2>/dev/null | sed -n 's/.*Num FDEs: //p' | head -1)
    r=$((r + ${n:-0}))
  done
  pct=$(python3 -c "print(f'{100*($f-$d)/max(1,$f):.3f}')")
  echo "$cfg: $(echo "$objs" | wc -w) objects, $f functions compared, $((f - d)) agree ($pct %), $d disagree, $m reached without an entry; instructions $i ($x disagreeing); ours read back by readelf: $r FDEs"
done
