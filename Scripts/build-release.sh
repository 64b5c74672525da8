#!/bin/bash
# build-release.sh - the unwindcheck binary to install or to hand to Kbuild: release
# mode with the Swift runtime linked in statically (--static-swift-stdlib), so a kernel
# build that starts it once per object pays no dynamic linking of the Swift libraries
# (about 2 ms of its ~4 ms start-up). Prints the path of the binary.
set -eu
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --scratch-path .build-static --product unwindcheck >&2
echo "$PWD/.build-static/release/unwindcheck"
