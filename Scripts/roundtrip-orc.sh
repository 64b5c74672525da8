#!/bin/bash
# roundtrip-orc.sh [INPUT_LIST] - write ORC into every prepared input with unwindcheck and
# compare it, read back by the real objtool and by unwindcheck, with the shipped ORC.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
LIST=${1:-${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}/inputs-amd64.list}
# shellcheck source=lib/corpus-env.sh
source "$HERE/lib/corpus-env.sh"
WORK=$(mktemp -d)
python3 "$HERE/roundtrip-orc.py" "$B" "$OBJTOOL612" "$LIST" "$WORK"
rm -rf "$WORK"
