#!/bin/bash
# roundtrip-kbuild.sh [INPUT_LIST] - every prepared input processed in place with
# Kbuild's full module flag set, by `unwindcheck objtool` and by the real objtool 6.12:
# ORC, every site section's relocation list and the __pfx_ symbols against the shipped
# module (see roundtrip-kbuild.py). JOBS=N processes (default 2).
set -eu
# `unwindcheck objtool` is objtool 6.12 here (outside Kbuild it is told which kernel).
export UNWINDCHECK_KERNEL=${UNWINDCHECK_KERNEL:-6.12}
HERE=$(cd "$(dirname "$0")" && pwd)
LIST=${1:-${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}/inputs-amd64.list}
# shellcheck source=lib/corpus-env.sh
source "$HERE/lib/corpus-env.sh"
WORK=$(mktemp -d)
python3 "$HERE/roundtrip-kbuild.py" "$B" "$OBJTOOL612" "$LIST" "$WORK" "${JOBS:-2}"
rm -rf "$WORK"
