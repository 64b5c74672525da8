#!/bin/bash
# difftest-vmlinux.sh [--config NAME] [DIR] - one kernel configuration built by
# Scripts/build-vmlinux.sh (vmlinux.o before objtool, the real objtool's outputs) against
# unwindcheck, as the issue of every configuration asks:
#   findings  `check` with Kbuild's flags for that configuration (kbuild.args; the
#             hacks, --orc and --prefix are writes, not checks) against the real objtool
#             with the same flags and --dry-run, line for line (rule ids taken out)
#   orc       ORC written by `check --orc --prefix=16 --link`, read back by the real
#             objtool's --dump=orc, against its own (orcprefix.orc): lines differing
#   sections  `unwindcheck objtool` with Kbuild's flags against the real objtool's
#             full.o: sections, contents and symbols (Scripts/compare-objects.py)
#   speed     time and peak RSS of `--orc --prefix=16 --link`, both tools, best of RUNS
#             (default 1), with the static release build (Scripts/build-release.sh) or
#             UNWINDCHECK_BIN
# Prints one line:
#   vmlinux CONFIG: I instructions; findings ours N objtool M common C; orc lines differing
#   L of E; sections differing S; time Ts/To s (Rx), RSS Mu/Mo MB (Qx)
# Exits 1 when findings, ORC or sections differ.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
CONFIG=defconfig
if [ "${1:-}" = --config ]; then CONFIG=$2; shift 2; fi
ROOT=${1:-${UNWINDCHECK_VMLINUX:-$HOME/.cache/unwindcheck-vmlinux}}
D=$ROOT; [ "$CONFIG" = defconfig ] || D=$ROOT/$CONFIG
[ -f "$D/vmlinux-raw.o" ] && [ -f "$D/full.o" ] || { echo "no $CONFIG build in $D: run Scripts/build-vmlinux.sh --config $CONFIG" >&2; exit 2; }
# The static release build (its own scratch path: a test run under `swift test`, which
# holds .build, can start it), or UNWINDCHECK_BIN.
B=${UNWINDCHECK_BIN:-$("$HERE/build-release.sh" 2>/dev/null)}
OT=$D/objtool
if [ -f "$D/kbuild.args" ]; then read -r -a ARGS < "$D/kbuild.args"; else
  ARGS=(--hacks=jump_label --hacks=noinstr --hacks=skylake --ibt --orc --retpoline --rethunk --static-call --uaccess
        --prefix=16 --noinstr --unret --link); fi
[ "$CONFIG" = defconfig ] && ARGS=(--hacks=jump_label --hacks=noinstr --hacks=skylake --ibt --orc --retpoline --rethunk
  --static-call --uaccess --prefix=16 --noinstr --unret --link)
CHECK=()
for a in "${ARGS[@]}"; do case "$a" in --hacks*|--orc|--prefix*) ;; *) CHECK+=("$a");; esac; done
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
norm() { sed -e 's/: warning: unwindcheck: /: warning: objtool: /' -e 's/ \[UV[0-9]\{4\}\]$//' | grep ': warning: objtool: ' | sort || true; }
"$B" check "${CHECK[@]}" "$D/vmlinux-raw.o" 2>&1 >/dev/null | norm > "$W/ours"
"$OT" --dry-run "${ARGS[@]}" "$D/vmlinux-raw.o" 2>&1 >/dev/null | norm > "$W/theirs"
common=$(comm -12 "$W/ours" "$W/theirs" | wc -l)
ok=1
cmp -s "$W/ours" "$W/theirs" || { ok=0; diff "$W/theirs" "$W/ours" | head -20 | sed 's/^/  findings (< objtool, > ours): /'; }
# ORC, best time of RUNS for both tools.
best() { # tool-args... ; prints "seconds kb" of the fastest run
  local b="" t
  for _ in $(seq "${RUNS:-1}"); do
    rm -f "$W/o.o"; cp "$D/vmlinux-raw.o" "$W/in.o"
    /usr/bin/time -f "%e %M" -o "$W/t" "$@" 2>/dev/null >/dev/null || true
    t=$(cat "$W/t")
    if [ -z "$b" ] || awk -v a="${t%% *}" -v c="${b%% *}" 'BEGIN {exit !(a < c)}'; then b=$t; fi
  done
  echo "$b"
}
tu=$(best "$B" check --orc --prefix=16 --link --output "$W/o.o" "$W/in.o")
"$OT" --dump=orc "$W/o.o" > "$W/ours.orc"
to=$(best "$OT" --orc --prefix=16 --link "$W/in.o")
entries=$(wc -l < "$D/orcprefix.orc")
orcdiff=$(diff "$D/orcprefix.orc" "$W/ours.orc" | grep -c '^[<>]' || true)
[ "$orcdiff" = 0 ] || { ok=0; diff "$D/orcprefix.orc" "$W/ours.orc" | head -10 | sed 's/^/  orc: /'; }
# Kbuild's full flag set through the objtool front end.
cp "$D/vmlinux-raw.o" "$W/full.o"
UNWINDCHECK_KERNEL=6.12 "$B" objtool "${ARGS[@]}" "$W/full.o" 2>/dev/null || true
if report=$(python3 "$HERE/compare-objects.py" "$D/full.o" "$W/full.o"); then secdiff=0; else
  secdiff=$(echo "$report" | grep -c . || true); ok=0; echo "$report" | head -10 | sed 's/^/  sections: /'; fi
insns=$("$B" check --stats --link "$D/vmlinux-raw.o" 2>/dev/null | awk '/: instructions: / {print $3; exit}')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "vmlinux $CONFIG: ${insns:-?} instructions; findings ours $(wc -l < "$W/ours") objtool $(wc -l < "$W/theirs") common $common;" \
  "orc lines differing $orcdiff of $entries; sections differing $secdiff;" \
  "time ${tu%% *}/${to%% *} s ($(ratio "${tu%% *}" "${to%% *}")x), RSS $((${tu##* } / 1024))/$((${to##* } / 1024)) MB ($(ratio "${tu##* }" "${to##* }")x)"
[ "$ok" = 1 ]
