#!/bin/bash
# difftest-prefix.sh [EVERY] - `check --orc --prefix=16` against the real objtool 6.12 on
# real module code with its __pfx_ symbols removed (see difftest-prefix.py).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/corpus-env.sh
source "$HERE/lib/corpus-env.sh"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 "$HERE/difftest-prefix.py" "$B" "$OBJTOOL612" "$DIR/inputs-amd64.list" "$WORK" "${1:-10}"
