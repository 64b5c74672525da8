#!/bin/bash
# test.sh - the project's test command (README, .ci/run): install system packages,
# then build and run the whole test suite. Corpus-dependent tests run when
# Scripts/fetch-kernel-corpus.sh has been run, and say they are skipped otherwise.
set -eu
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
Scripts/check-deps.sh
swift build --build-tests
swift test "$@"
