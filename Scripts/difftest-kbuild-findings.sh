#!/bin/bash
# difftest-kbuild-findings.sh [LIST] - the findings of `unwindcheck objtool` against the
# real objtool 6.12's with Kbuild's full module flag set (--dry-run), one process per
# file for both, on every prepared input (default: the Debian 6.12 amd64 inputs).
# Prints the lines only one side has and
#   kbuild-findings: F files, objtool N, unwindcheck M, common C, only-objtool A, only-ours B
set -eu
# `unwindcheck objtool` is objtool 6.12 here (outside Kbuild it is told which kernel).
export UNWINDCHECK_KERNEL=${UNWINDCHECK_KERNEL:-6.12}
HERE=$(cd "$(dirname "$0")" && pwd)
LIST=${1:-${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}/inputs-amd64.list}
# shellcheck source=lib/corpus-env.sh
source "$HERE/lib/corpus-env.sh"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
FLAGS=(--hacks=jump_label --hacks=noinstr --hacks=skylake --ibt --orc --retpoline --rethunk --sls --static-call
       --uaccess --prefix=16 --link --module --dry-run)
xargs -a "$LIST" -P 2 -n 1 "$OBJTOOL612" "${FLAGS[@]}" 2> "$OUT/objtool.raw" >/dev/null || true
xargs -a "$LIST" -P 2 -n 1 "$B" objtool "${FLAGS[@]}" 2> "$OUT/ours.raw" >/dev/null || true
grep ': warning: objtool: ' "$OUT/objtool.raw" | sort -u > "$OUT/objtool.txt" || true
grep ': warning: objtool: ' "$OUT/ours.raw" | sort -u > "$OUT/ours.txt" || true
comm -23 "$OUT/objtool.txt" "$OUT/ours.txt" | sed 's/^/only-objtool: /' | head -${SHOW:-40}
comm -13 "$OUT/objtool.txt" "$OUT/ours.txt" | sed 's/^/only-ours: /' | head -${SHOW:-40}
printf 'kbuild-findings: %d files, objtool %d, unwindcheck %d, common %d, only-objtool %d, only-ours %d\n' \
  "$(wc -l < "$LIST")" "$(wc -l < "$OUT/objtool.txt")" "$(wc -l < "$OUT/ours.txt")" \
  "$(comm -12 "$OUT/objtool.txt" "$OUT/ours.txt" | wc -l)" \
  "$(comm -23 "$OUT/objtool.txt" "$OUT/ours.txt" | wc -l)" "$(comm -13 "$OUT/objtool.txt" "$OUT/ours.txt" | wc -l)"
