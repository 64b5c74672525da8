#!/bin/bash
# test.sh - the project's test command (README, .ci/run): install system packages,
# unpack Debian's 6.1 and 6.12 kernel headers for the Kbuild tests, then build and run
# the whole test suite. Corpus-dependent tests run when
# Scripts/fetch-kernel-corpus.sh has been run, and say they are skipped otherwise.
# Then every libFuzzer target runs FUZZ_SECONDS (default 20; 0 turns it off) from its
# seeds in a fresh directory, so a regression of the hostile-input work shows at once
# (about 70 s to build the harnesses and 2 min to run them here).
set -eu
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
Scripts/check-deps.sh
# The Kbuild tests build modules against Debian's 6.1 and 6.12 headers (downloaded once
# into the corpus cache, not installed).
Scripts/kbuild-headers.sh 6.1 >/dev/null
Scripts/kbuild-headers.sh 6.12 >/dev/null
swift build --build-tests
# The Debian package, from the static release binary (which the Kbuild tests use too),
# for the package test (Tests/CLITests/PackageTests.swift: Scripts/test-deb.sh).
Scripts/build-release.sh >/dev/null
UNWINDCHECK_DEB=$(Scripts/build-deb.sh)
export UNWINDCHECK_DEB
swift test "$@"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
if [ "$FUZZ_SECONDS" -gt 0 ] && [ $# -eq 0 ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  for t in elf x86 arm64 tables pipeline dwarf sframe; do
    UNWINDCHECK_FUZZ_DIR="$dir" Scripts/fuzz.sh "$t" "$FUZZ_SECONDS" || {
      echo "test.sh: fuzz target $t found a problem (see the artifacts printed above)"; ls "$dir/$t/artifacts"; exit 1; }
  done
fi
