#!/bin/bash
# bench-kernel.sh - unwindcheck against the real objtool 6.12 at kernel scale, measured
# side by side in one run, with ratios (ours / objtool; below 1 is faster or smaller):
#   vmlinux   the defconfig vmlinux.o of Scripts/build-vmlinux.sh: objtool --orc
#             --prefix=16 --link (as Kbuild runs it) against check with the same flags
#             and --output (every core; the output removed before each run, as objtool
#             gets a fresh copy); wall time and peak RSS, best of RUNS, ns and bytes per
#             instruction; then Kbuild's whole flag set, both tools in place
#   modules   the 4,230 prepared module inputs (Scripts/fetch-kernel-corpus.sh INPUTS=1):
#             objtool --dry-run --orc --link --module --ibt one process per file,
#             sequential (as Kbuild calls it) against (a) unwindcheck one process per
#             file, same flags, and (b) all files in one process with --jobs (every core)
#   arm64     the arm64 defconfig vmlinux.o of Scripts/build-vmlinux-arm64.sh: check
#             --link, with --orc --output, and with --against-dwarf (no objtool for
#             arm64), ns and bytes per instruction to set beside the x86 vmlinux.o's
# Usage: bench-kernel.sh [vmlinux|arm64|modules|all]   (RUNS=3 by default; LIST= another list)
# Uses the static release binary (Scripts/build-release.sh), or UNWINDCHECK_BIN (another
# commit's, to compare). Warm page cache.
set -eu
# `unwindcheck objtool` is objtool 6.12 here (outside Kbuild it is told which kernel).
export UNWINDCHECK_KERNEL=${UNWINDCHECK_KERNEL:-6.12}
HERE=$(cd "$(dirname "$0")" && pwd)
WHAT=${1:-all}
RUNS=${RUNS:-3}
B=${UNWINDCHECK_BIN:-$("$HERE/build-release.sh")}
VDIR=${UNWINDCHECK_VMLINUX:-$HOME/.cache/unwindcheck-vmlinux}
CDIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo); unwindcheck $B"

# best "SECONDS KB" of RUNS runs of a command (time and RSS of the same, fastest run)
TF=$(mktemp)
measure() { /usr/bin/time -o "$TF" -f "%e %M" "$@" >/dev/null 2>&1 || true; tail -1 "$TF"; }
best() {
  local b="" t
  for _ in $(seq "$RUNS"); do
    t=$(measure "$@")
    if [ -z "$b" ] || awk -v a="${t%% *}" -v c="${b%% *}" 'BEGIN {exit !(a < c)}'; then b=$t; fi
  done
  echo "$b"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

if [ "$WHAT" = vmlinux ] || [ "$WHAT" = all ]; then
  if [ ! -f "$VDIR/vmlinux-raw.o" ]; then
    echo "vmlinux: skipped (no $VDIR/vmlinux-raw.o: run Scripts/build-vmlinux.sh)"
  else
    T=$(mktemp -d)
    cat "$VDIR/vmlinux-raw.o" > /dev/null
    insns=$("$B" decode "$VDIR/vmlinux-raw.o" | wc -l)
    # objtool rewrites its input: each run gets a fresh copy (the copy is not timed).
    otime() { cp "$VDIR/vmlinux-raw.o" "$T/o.o"; measure "$VDIR/objtool" --orc --prefix=16 --link "$T/o.o"; }
    ob=""; for _ in $(seq "$RUNS"); do t=$(otime); if [ -z "$ob" ] || awk -v a="${t%% *}" -v c="${ob%% *}" 'BEGIN {exit !(a < c)}'; then ob=$t; fi; done
    utime() { rm -f "$T/u.o"; measure "$B" check --orc --prefix=16 --link --output "$T/u.o" "$VDIR/vmlinux-raw.o"; }
    ub=""; for _ in $(seq "$RUNS"); do t=$(utime); if [ -z "$ub" ] || awk -v a="${t%% *}" -v c="${ub%% *}" 'BEGIN {exit !(a < c)}'; then ub=$t; fi; done
    cb=$(best "$B" check --link "$VDIR/vmlinux-raw.o")
    set -- $ob; os=$1; okb=$2
    set -- $ub; us=$1; ukb=$2
    set -- $cb; cs=$1; ckb=$2
    echo "vmlinux: $insns instructions"
    echo "vmlinux: objtool --orc --prefix=16 --link:        ${os} s, $((okb / 1024)) MB"
    echo "vmlinux: unwindcheck check --orc --prefix=16:     ${us} s, $((ukb / 1024)) MB  (time $(ratio "$us" "$os")x, memory $(ratio "$ukb" "$okb")x)"
    echo "vmlinux: unwindcheck check (no writing):          ${cs} s, $((ckb / 1024)) MB"
    # Kbuild's whole flag set (every section objtool writes for vmlinux), both tools
    # standing in place as Kbuild runs them.
    FULL="--hacks=jump_label --hacks=noinstr --hacks=skylake --ibt --orc --retpoline --rethunk --sls --static-call --uaccess --prefix=16 --link"
    # shellcheck disable=SC2086
    ftime() { cp "$VDIR/vmlinux-raw.o" "$T/f.o"; measure "$@" $FULL "$T/f.o"; }
    fo=""; fu=""
    for _ in $(seq "$RUNS"); do
      t=$(ftime "$VDIR/objtool"); if [ -z "$fo" ] || awk -v a="${t%% *}" -v c="${fo%% *}" 'BEGIN {exit !(a < c)}'; then fo=$t; fi
      t=$(ftime "$B" objtool); if [ -z "$fu" ] || awk -v a="${t%% *}" -v c="${fu%% *}" 'BEGIN {exit !(a < c)}'; then fu=$t; fi
    done
    set -- $fo; fos=$1; fokb=$2
    set -- $fu; fus=$1; fukb=$2
    echo "vmlinux: objtool, Kbuild's full flags:            ${fos} s, $((fokb / 1024)) MB"
    echo "vmlinux: unwindcheck objtool, the same flags:     ${fus} s, $((fukb / 1024)) MB  (time $(ratio "$fus" "$fos")x, memory $(ratio "$fukb" "$fokb")x)"
    echo "vmlinux: per instruction: $(awk -v s="$us" -v n="$insns" 'BEGIN {printf "%.0f", s * 1e9 / n}') ns, $(awk -v k="$ukb" -v n="$insns" 'BEGIN {printf "%.0f", k * 1024 / n}') bytes (objtool $(awk -v s="$os" -v n="$insns" 'BEGIN {printf "%.0f", s * 1e9 / n}') ns, $(awk -v k="$okb" -v n="$insns" 'BEGIN {printf "%.0f", k * 1024 / n}') bytes)"
    rm -rf "$T"
  fi
fi

if [ "$WHAT" = arm64 ] || [ "$WHAT" = all ]; then
  A=$VDIR/arm64/vmlinux-raw.o
  if [ ! -f "$A" ]; then
    echo "arm64: skipped (no $A: run Scripts/build-vmlinux-arm64.sh)"
  else
    # No objtool for arm64: unwindcheck alone, beside the x86 vmlinux.o's figures above.
    cat "$A" > /dev/null
    ainsns=$("$B" decode "$A" | wc -l)
    T=$(mktemp -d)
    set -- $(best "$B" check --link "$A"); as=$1; akb=$2
    aorc() { rm -f "$T/a.o"; measure "$B" check --link --orc --output "$T/a.o" "$A"; }
    ao=""; for _ in $(seq "$RUNS"); do t=$(aorc); if [ -z "$ao" ] || awk -v a="${t%% *}" -v c="${ao%% *}" 'BEGIN {exit !(a < c)}'; then ao=$t; fi; done
    set -- $ao; aos=$1; aokb=$2
    set -- $(best "$B" check --link --against-dwarf "$A"); ads=$1; adkb=$2
    echo "arm64: $ainsns instructions, $(stat -c %s "$A") bytes (debug info included)"
    echo "arm64: unwindcheck check --link:                 ${as} s, $((akb / 1024)) MB  ($(awk -v s="$as" -v n="$ainsns" 'BEGIN {printf "%.0f", s * 1e9 / n}') ns, $(awk -v k="$akb" -v n="$ainsns" 'BEGIN {printf "%.0f", k * 1024 / n}') bytes per instruction)"
    echo "arm64: unwindcheck check --link --orc --output:  ${aos} s, $((aokb / 1024)) MB"
    echo "arm64: unwindcheck check --link --against-dwarf: ${ads} s, $((adkb / 1024)) MB"
    rm -rf "$T"
  fi
fi

if [ "$WHAT" = modules ] || [ "$WHAT" = all ]; then
  LIST=${LIST:-$CDIR/inputs-amd64.list}
  if [ ! -f "$LIST" ] || [ ! -f "$CDIR/tools.env" ]; then
    echo "modules: skipped (no $LIST: run INPUTS=1 Scripts/fetch-kernel-corpus.sh)"
  else
    # shellcheck disable=SC1091
    source "$CDIR/tools.env"
    n=$(wc -l < "$LIST")
    xargs -a "$LIST" cat > /dev/null
    insns=$(xargs -a "$LIST" -s 2000000 "$B" decode | wc -l)
    wall() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); awk -v a="$s" -v b="$e" 'BEGIN {printf "%.2f", b - a}'; }
    o=$(wall xargs -a "$LIST" -n 1 "$OBJTOOL612" --dry-run --orc --link --module --ibt)
    p=$(wall xargs -a "$LIST" -n 1 "$B" check --link --module --ibt)
    a=$(wall xargs -a "$LIST" -s 2000000 "$B" check --link --module --ibt)
    a1=$(wall xargs -a "$LIST" -s 2000000 "$B" check --jobs 1 --link --module --ibt)
    rss=$(measure xargs -a "$LIST" -s 2000000 "$B" check --link --module --ibt); rss=${rss#* }
    echo "modules: $n files, $insns instructions"
    echo "modules: objtool, one process per file:           $o s"
    echo "modules: unwindcheck, one process per file:       $p s  ($(ratio "$p" "$o")x)"
    echo "modules: unwindcheck, one process, $(nproc) cores:        $a s  ($(ratio "$a" "$o")x), peak $((rss / 1024)) MB"
    echo "modules: unwindcheck, one process, one core:      $a1 s  ($(ratio "$a1" "$o")x)"
    echo "modules: per instruction (one process, one core): $(awk -v s="$a1" -v n="$insns" 'BEGIN {printf "%.0f", s * 1e9 / n}') ns"
    big=$(xargs -a "$LIST" ls -S 2>/dev/null | head -1)
    bi=$("$B" decode "$big" | wc -l)
    bk=$(measure "$B" check --link --module --ibt "$big"); bk=${bk#* }
    echo "modules: largest ($(basename "$big"), $bi instructions): peak $((bk / 1024)) MB, $(awk -v k="$bk" -v n="$bi" 'BEGIN {printf "%.0f", k * 1024 / n}') bytes per instruction"
  fi
fi
