#!/bin/bash
# difftest-elf.sh [CORPUS_DIR] - the ELF reader against readelf over the whole kernel
# corpus (both architectures). Fetch it first: Scripts/fetch-kernel-corpus.sh.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${1:-${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}}
cd "$HERE/.."
swift build -c release --product unwindcheck >/dev/null
lists=()
for a in amd64 arm64; do [ -s "$DIR/$a-list.txt" ] && lists+=("$DIR/$a-list.txt"); done
[ ${#lists[@]} -gt 0 ] || { echo "no corpus in $DIR: run Scripts/fetch-kernel-corpus.sh"; exit 1; }
python3 "$HERE/difftest-elf.py" "$(swift build -c release --show-bin-path)/unwindcheck" "${lists[@]}"
