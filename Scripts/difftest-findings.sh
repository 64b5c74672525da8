#!/bin/bash
# difftest-findings.sh [LIST] [FLAGS...] - unwindcheck's findings against the real
# objtool 6.12's on every object in LIST (default: the prepared Debian 6.12 amd64
# inputs from `INPUTS=1 Scripts/fetch-kernel-corpus.sh`), with the same FLAGS for both
# (default: --link --module; objtool also gets --orc --dry-run or, with --stackval,
# just --dry-run). Lines are compared after normalising the tool name and dropping
# unwindcheck's rule ids. Prints the lines only one side has and a summary:
#   findings-difftest: F files, objtool N, unwindcheck M, common C, only-objtool A, only-ours B
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
LIST=${1:-${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}/inputs-amd64.list}; shift || true
FLAGS=("$@"); [ ${#FLAGS[@]} -gt 0 ] || FLAGS=(--link --module)
# shellcheck source=lib/corpus-env.sh
source "$HERE/lib/corpus-env.sh"
OUT=$(mktemp -d)
OBJFLAGS=("${FLAGS[@]}"); case " ${FLAGS[*]} " in *" --stackval "*) ;; *) OBJFLAGS+=(--orc) ;; esac
start=$(date +%s.%N)
xargs -a "$LIST" -P 2 -n 1 "$OBJTOOL612" "${OBJFLAGS[@]}" --dry-run 2> "$OUT/objtool.raw" >/dev/null || true
mid=$(date +%s.%N)
xargs -a "$LIST" "$B" check "${FLAGS[@]}" 2> "$OUT/ours.raw" >/dev/null || true
end=$(date +%s.%N)
grep ': warning: objtool: ' "$OUT/objtool.raw" | sort -u > "$OUT/objtool.txt" || true
sed -E 's/: warning: unwindcheck: /: warning: objtool: /; s/ \[UV[0-9]{4}\]$//' "$OUT/ours.raw" | grep ': warning: objtool: ' | sort -u > "$OUT/ours.txt" || true
comm -23 "$OUT/objtool.txt" "$OUT/ours.txt" | sed 's/^/only-objtool: /' | head -${SHOW:-40}
comm -13 "$OUT/objtool.txt" "$OUT/ours.txt" | sed 's/^/only-ours: /' | head -${SHOW:-40}
printf 'findings-difftest: %d files, objtool %d, unwindcheck %d, common %d, only-objtool %d, only-ours %d\n' \
  "$(wc -l < "$LIST")" "$(wc -l < "$OUT/objtool.txt")" "$(wc -l < "$OUT/ours.txt")" \
  "$(comm -12 "$OUT/objtool.txt" "$OUT/ours.txt" | wc -l)" \
  "$(comm -23 "$OUT/objtool.txt" "$OUT/ours.txt" | wc -l)" "$(comm -13 "$OUT/objtool.txt" "$OUT/ours.txt" | wc -l)"
echo "time: objtool $(echo "$mid - $start" | bc) s (2 processes, one per file), unwindcheck $(echo "$end - $mid" | bc) s (one process)"
rm -rf "$OUT"
