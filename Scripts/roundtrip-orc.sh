#!/bin/bash
# roundtrip-orc.sh [INPUT_LIST] - write ORC into every prepared input with unwindcheck and
# compare it, read back by the real objtool and by unwindcheck, with the shipped ORC.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
LIST=${1:-$DIR/inputs-amd64.list}
# shellcheck disable=SC1091
source "$DIR/tools.env"
cd "$HERE/.."
swift build -c release --product unwindcheck >/dev/null
WORK=$(mktemp -d)
python3 "$HERE/roundtrip-orc.py" "$(swift build -c release --show-bin-path)/unwindcheck" "$OBJTOOL612" "$LIST" "$WORK"
rm -rf "$WORK"
