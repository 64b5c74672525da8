#!/bin/bash
# difftest-x86-decode.sh [LIST] [--sample N] - instruction boundaries and lengths of
# `unwindcheck decode` against GNU objdump on every executable section of every module
# in LIST (default: the Debian 6.12 amd64 corpus from Scripts/fetch-kernel-corpus.sh).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
LIST=${1:-$DIR/amd64-list.txt}; shift || true
cd "$HERE/.."
swift build -c release --product unwindcheck >/dev/null
echo "objdump: $(objdump --version | head -1)"
python3 "$HERE/difftest-x86-decode.py" "$(swift build -c release --show-bin-path)/unwindcheck" "$LIST" "$@"
