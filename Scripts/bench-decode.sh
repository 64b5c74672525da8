#!/bin/bash
# bench-decode.sh [LIST] [REPEAT] - single-core x86 decode throughput over the corpus
# (default: all Debian 6.12 amd64 modules from Scripts/fetch-kernel-corpus.sh).
set -eu
cd "$(dirname "$0")/.."
DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
swift build -c release --product unwindcheck-bench >/dev/null
taskset -c 0 "$(swift build -c release --show-bin-path)/unwindcheck-bench" decode "${1:-$DIR/amd64-list.txt}" "${2:-3}"
