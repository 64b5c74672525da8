#!/bin/bash
# build-release.sh - the unwindcheck binary to install or to hand to Kbuild: release
# mode with the Swift runtime linked in statically (--static-swift-stdlib), so a kernel
# build that starts it once per object pays no dynamic linking of the Swift libraries
# (about 2 ms of its ~4 ms start-up). Linked as a position-dependent executable
# (-no-pie): a static Swift runtime in a PIE carries ~20,000 dynamic relocations that
# every start applies, touching its data pages (small module: 3.5 -> 2.3 ms of CPU);
# and without the $ORIGIN run path (no search of the build directory for libc).
# Prints the path of the binary.
set -eu
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --disable-local-rpath --scratch-path .build-static --product unwindcheck \
  -Xswiftc -Xclang-linker -Xswiftc -no-pie >&2
echo "$PWD/.build-static/release/unwindcheck"
