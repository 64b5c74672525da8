#!/bin/bash
# bench-check.sh [LIST] [FLAGS...] - wall time of `unwindcheck check` over a corpus,
# one process for all files and one process per file, beside the real objtool 6.12
# (one process per file, as Kbuild runs it). Default: the prepared Debian 6.12 amd64
# inputs with --link --module (objtool also gets --orc --dry-run). Sequential runs on
# one core each, warm page cache; prints one line per configuration.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
LIST=${1:-${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}/inputs-amd64.list}; shift || true
FLAGS=("$@"); [ ${#FLAGS[@]} -gt 0 ] || FLAGS=(--link --module)
# shellcheck source=lib/corpus-env.sh
source "$HERE/lib/corpus-env.sh"
n=$(wc -l < "$LIST")
xargs -a "$LIST" cat > /dev/null  # warm the page cache
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
echo "files: $n"
echo "unwindcheck, one process:      $(t xargs -a "$LIST" -s 2000000 "$B" check "${FLAGS[@]}") s"
echo "unwindcheck, process per file: $(t xargs -a "$LIST" -n 1 "$B" check "${FLAGS[@]}") s"
echo "objtool 6.12, process per file: $(t xargs -a "$LIST" -n 1 "$OBJTOOL612" --orc --dry-run "${FLAGS[@]}") s"
