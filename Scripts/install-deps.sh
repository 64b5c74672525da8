#!/bin/bash
# install-deps.sh - system packages unwindcheck needs to build and test (Debian 12).
#   libelf-dev   gelf.h, which libdw's headers use (ELF is read by our own code)
#   libdw-dev    DWARF CFI and line tables: headers to build, libdw.so.1 loaded by
#                the DWARF cross-check on first use (Sources/CLibDW/lazy.c)
#   pkg-config   for the corpus and kernel-build scripts
#   binutils     readelf/objdump: the oracles of the differential tests
#   xz-utils, zstd  decompress kernel modules (corpus scripts)
#   python3-jsonschema  validates `check --format sarif` against the SARIF schema (tests)
#   binutils-dev libsframe 2.40: an independent reader of the .sframe we write (tests)
#   binutils-aarch64-linux-gnu  aarch64 readelf/objcopy: oracles of the arm64 and SFrame tests
#   make, gcc-12, bc, pahole  real Kbuild builds of modules against Debian's 6.1 and
#                6.12 headers, with the real objtool and with unwindcheck (tests)
#   lintian, dpkg-dev  check the Debian package Scripts/build-deb.sh makes, and compute
#                its dependencies (dpkg-shlibdeps) (tests)
#   graphviz     lays out the control-flow graphs of `trace --html` (dot)
#   chromium, fonts-dejavu-core  render those pages headless to screenshots (tests)
# Idempotent: does nothing when everything is already installed.
set -eu
PKGS=(libelf-dev libdw-dev pkg-config binutils binutils-dev binutils-aarch64-linux-gnu xz-utils zstd python3 python3-jsonschema
      make gcc-12 bc pahole lintian dpkg-dev graphviz chromium fonts-dejavu-core)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all present (${PKGS[*]})"
  exit 0
fi
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
