#!/bin/bash
# difftest-orc-dump.sh [LIST] - `unwindcheck orc dump` against the real objtool 6.12's
# `--dump=orc` on every module in LIST (default: all shipped Debian 6.12 amd64 modules).
# Prints differing files and a summary:
#   orc-dump-difftest: F files, I identical, D differ, E entries compared
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
LIST=${1:-${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}/amd64-list.txt}
# shellcheck source=lib/corpus-env.sh
source "$HERE/lib/corpus-env.sh"
same=0; differ=0; entries=0
while read -r f; do
  a=$("$OBJTOOL612" --dump=orc "$f" 2>&1 || true)
  # (unwindcheck says on stderr when a module has no ORC; objtool says nothing.)
  b=$("$B" orc dump "$f" 2>&1 | grep -v ': no ORC (no .orc_unwind/.orc_unwind_ip section)$' || true)
  if [ "$a" = "$b" ]; then
    same=$((same + 1)); [ -n "$a" ] && entries=$((entries + $(printf '%s\n' "$a" | wc -l)))
  else
    differ=$((differ + 1)); echo "DIFF $f"
  fi
done < "$LIST"
echo "orc-dump-difftest: $((same + differ)) files, $same identical, $differ differ, $entries entries compared"
