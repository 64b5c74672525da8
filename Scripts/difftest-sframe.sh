#!/bin/bash
# difftest-sframe.sh - SFrame on real open-source C code: GNU as 2.40's version-1
# .sframe (from the compiler's .cfi directives: -Wa,--gsframe) against the CFI
# unwindcheck computes from the instructions, and binutils' readelf reading the
# .sframe unwindcheck writes.
#
# The six libraries of difftest-dwarf.sh (lib/csrc-libs.sh), every file compiled with
#   gcc-fp / gcc-nofp          gcc -O2 -Wa,--gsframe, with / without frame pointers (x86-64)
#   clang-fp / clang-nofp      clang -O2 -fno-integrated-as -Wa,--gsframe (GNU as writes the SFrame)
#   a64-gcc-fp / -nofp / -pac  aarch64-linux-gnu-gcc, the last -mbranch-protection=pac-ret+bti
#   a64-clang-fp / -nofp       clang --target=aarch64-linux-gnu -fno-integrated-as (aarch64-linux-gnu-as)
# with -g into $UNWINDCHECK_CORPUS/csrc/sframe-obj-g/CONFIG, and kernel code:
#   ksrc-x86 / ksrc-arm64      the real 6.12 kernel sources of difftest-dwarf-kernel.sh (lib/kernel-sources.sh)
#                              built by Kbuild against Debian's 6.12 headers with KCFLAGS=-Wa,--gsframe
#                              (checked with --module; x86 also --ibt)
# then per configuration
#   unwindcheck check --against-sframe --against-dwarf --summary   (functions compared, agreeing, instructions,
#                                                   functions without an entry)
#   unwindcheck check --sframe=1 / --sframe=3 --against-dwarf --replace --output  (copies with our own
#                                                   .sframe), readelf --sframe on version 1 (its FDE count), and
#                                                   lib/sframe-roundtrip.py: version 3 read by sframe-read.py
#                                                   (the reader from the specification) holds every row of
#                                                   version 1, each looked up by address
# and, when Scripts/build-vmlinux-arm64.sh has run, the arm64 vmlinux.o (check --link
# --sframe=1 and =3: functions described, rows, readelf on version 1, the round trip).
# Prints per configuration
#   CONFIG: N objects, F functions compared, A agree (P % of those the assembler encodes
#           correctly), D disagree (W known wrong ...), M reached without an entry (...);
#           instructions I (X disagreeing); ...; ours read back by readelf: R FDEs
#   CONFIG: sframe round trip: N objects, F functions, R rows, L lookups, M mismatched objects
# Findings go to OUT/sframe-findings-CONFIG.txt. ~4 min to build the C libraries, ~6 min
# the kernel sources, ~3 min to check.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib/csrc-libs.sh
. "$HERE/lib/csrc-libs.sh"
CONFIGS=${CONFIGS:-"gcc-fp gcc-nofp clang-fp clang-nofp a64-gcc-fp a64-gcc-nofp a64-gcc-pac a64-clang-fp a64-clang-nofp ksrc-x86 ksrc-arm64"}
# (-g: with --against-dwarf the walk knows the functions DWARF marks noreturn, as the
# compiler did when it wrote the CFI.)
BASE="-O2 -g -w -Wa,--gsframe"
for cfg in $CONFIGS; do
  odir=$DIR/sframe-obj-g/$cfg
  [ -f "$odir/.done" ] && continue
  case $cfg in
    ksrc-x86|ksrc-arm64)
      # shellcheck source=lib/kernel-sources.sh
      DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus} HERE=$HERE bash -c '
        set -eu; . "$HERE/lib/kernel-sources.sh"
        if [ "$0" = ksrc-x86 ]; then
          KCFLAGS=-Wa,--gsframe build_sources "$HDR" "$DIR/ksrc/build-sframe" "$1" net/sched crypto arch/x86/crypto lib fs/nls drivers/net
        else
          arm64_headers
          KCFLAGS=-Wa,--gsframe build_sources "$HA" "$DIR/ksrc/build-sframe-a64" "$1" net/sched crypto lib fs/nls drivers/net
        fi' "$cfg" "$odir"
      continue;;
    *)
      CLANG_FLAGS=-fno-integrated-as config_compiler "$cfg"
      build_libs "$odir" $BASE $F;;
  esac
done
cd "$ROOT"
swift build -c release --product unwindcheck >/dev/null
U=$ROOT/.build/release/unwindcheck
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for cfg in $CONFIGS; do
  objs=$(ls "$DIR/sframe-obj-g/$cfg"/*.o)
  flags=""
  case $cfg in ksrc-x86) flags="--module --ibt";; ksrc-arm64) flags="--module";; esac
  "$U" check --against-sframe --against-dwarf --summary $flags $objs >"$T/summary" 2>"$OUT/sframe-findings-$cfg.txt" || true
  read -r f i x m < <(sed -nE 's/.*sframe: ([0-9]+) functions compared \(([0-9]+) instructions, ([0-9]+) disagreeing\), ([0-9]+) reached.*/\1 \2 \3 \4/p' "$T/summary" |
    awk '{f+=$1; i+=$2; x+=$3; m+=$4} END {print f+0, i+0, x+0, m+0}')
  read -r le li < <(sed -nE 's/.*, ([0-9]+) entries starting after the function \(([0-9]+) instructions.*/\1 \2/p' "$T/summary" |
    awk '{a+=$1; b+=$2} END {print a+0, b+0}')
  d=$(grep -c '\[UV1902\]' "$OUT/sframe-findings-$cfg.txt" || true)
  readelf=readelf; case $cfg in *a64*|*arm64*) readelf=aarch64-linux-gnu-readelf;; esac
  r=0
  : > "$T/pairs"; : > "$T/inexpressible"
  mkdir -p "$T/ours"
  for o in $objs; do
    b=$T/ours/$(basename "$o" .o)
    "$U" check --sframe=1 --against-dwarf $flags --replace --output "$b.v1.o" "$o" 2>&1 >/dev/null | grep '\[UV1901\]' >> "$T/inexpressible" || true
    "$U" check --sframe=3 --against-dwarf $flags --replace --output "$b.v3.o" "$o" >/dev/null 2>&1 || true
    n=$("$readelf" --sframe "$b.v1.o" 2>/dev/null | sed -n 's/.*Num FDEs: //p' | head -1)
    r=$((r + ${n:-0}))
    [ -f "$b.v1.o" ] && [ -f "$b.v3.o" ] && echo "$b.v1.o $b.v3.o" >> "$T/pairs"
  done
  # Functions without an entry that SFrame cannot express (UV1901 from --sframe): GNU as
  # 2.40's known drops (DRAP's .cfi_escape). Disagreeing functions where the assembler's
  # rows are known wrong: the frame is one SFrame cannot express (GNU as 2.40 writes rows
  # anyway), or the compiler's own DWARF from the same directives agrees with the
  # instructions at every compared boundary of the function (GNU as 2.40 translated the
  # directives wrong: clang's .cfi_remember_state/.cfi_restore_state). And those where
  # the compiler's directives are wrong themselves: its DWARF disagrees with the
  # instructions in the function too (the DWARF check's findings, clang's late CFA).
  read -r known wrong inexpr compiler < <(python3 - "$OUT/sframe-findings-$cfg.txt" "$T/inexpressible" "$T/summary" <<'PY'
import re, sys
findings = open(sys.argv[1]).read().splitlines()
name = lambda l, pat: (l.split(": ")[0], re.search(pat, l).group(1))
missing = {name(l, r"unwindcheck: (\S+)\(\) has no SFrame") for l in findings if "[UV1903]" in l}
cannot = {name(l, r"cannot describe (\S+)\(\) here") for l in open(sys.argv[2]) if "[UV1901]" in l}
dwarf = {}
for l in open(sys.argv[3]):
    m = re.match(r"(.*?): (\S+): agree (\d+), disagree (\d+), not comparable", l)
    if m: dwarf[(m.group(1), m.group(2))] = (int(m.group(3)), int(m.group(4)))
wrong = inexpressible = compiler = 0
for l in findings:
    if "[UV1902]" not in l: continue
    key = name(l, r"unwindcheck: ([^+: ]+)(?:\+0x[0-9a-f]+)?: SFrame disagrees")
    if "not expressible in SFrame" in l: inexpressible += 1; wrong += 1
    elif key in dwarf and dwarf[key][0] > 0 and dwarf[key][1] == 0: wrong += 1
    elif key in dwarf and dwarf[key][1] > 0: compiler += 1
print(len(missing & cannot), wrong, inexpressible, compiler)
PY
)
  pct=$(python3 -c "print(f'{100*($f-$d)/max(1,$f-$wrong):.3f}')")
  pct2=$(python3 -c "print(f'{100*($f-$d)/max(1,$f-$wrong-$compiler):.3f}')")
  echo "$cfg: $(echo "$objs" | wc -w) objects, $f functions compared, $((f - d)) agree ($pct % of the $((f - wrong)) the assembler encodes correctly; $pct2 % of the $((f - wrong - compiler)) whose directives are right too), $d disagree ($wrong of them the assembler's rows known wrong: $inexpr frames SFrame cannot express, $((wrong - inexpr)) where the compiler's DWARF agrees with the instructions; $compiler where the compiler's directives are wrong, its DWARF disagreeing too), $m reached without an entry ($known of them SFrame cannot express: the assembler's known drops); instructions $i ($x disagreeing); $le entries start after their function ($li instructions before them); ours read back by readelf: $r FDEs"
  echo "$cfg: $(python3 "$HERE/lib/sframe-roundtrip.py" < "$T/pairs" 2>"$OUT/sframe-roundtrip-$cfg.txt" || true)"
  rm -rf "$T/ours"
done
# The arm64 kernel: every function the walk covers, assembly without directives included.
VML=${UNWINDCHECK_VMLINUX:-$HOME/.cache/unwindcheck-vmlinux}/arm64/vmlinux-raw.o
if [ -f "$VML" ]; then
  for v in 1 3; do
    "$U" check --link --stats --sframe=$v --replace --output "$T/vmlinux.v$v.o" "$VML" 2>"$OUT/sframe-findings-vmlinux-v$v.txt" |
      grep 'sframe:' | sed "s/^[^:]*: /arm64 vmlinux.o (version $v): /"
  done
  echo "arm64 vmlinux.o: ours read back by readelf (version 1): $(aarch64-linux-gnu-readelf --sframe "$T/vmlinux.v1.o" | sed -n 's/.*Num FDEs: //p' | head -1) FDEs"
  echo "arm64 vmlinux.o: $(echo "$T/vmlinux.v1.o $T/vmlinux.v3.o" | python3 "$HERE/lib/sframe-roundtrip.py" 2>&1)"
fi
