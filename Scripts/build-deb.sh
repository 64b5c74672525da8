#!/bin/bash
# build-deb.sh [OUTDIR] - the Debian package of unwindcheck, from the static release
# binary (Scripts/build-release.sh; UNWINDCHECK_BIN=PATH to package another build).
# Prints the path of the .deb. Contents:
#   /usr/bin/unwindcheck
#   /usr/lib/unwindcheck/objtool -> ../../bin/unwindcheck   (Kbuild: objtool=/usr/lib/unwindcheck/objtool)
#   /usr/share/man/man1/unwindcheck.1.gz, unwindcheck-objtool.1.gz   (`unwindcheck manual [--objtool]`)
#   /usr/share/bash-completion/completions/unwindcheck           (`unwindcheck completion bash`)
#   /usr/share/doc/unwindcheck/{copyright,changelog.Debian.gz,README.md,docs/}
#   /usr/share/lintian/overrides/unwindcheck   (the two warnings that stay, with reasons)
# The manual pages and the completion come from the binary itself, from the same tables
# as its --help. The version is the binary's (`unwindcheck --version`), which must be the
# upstream version of Scripts/deb/changelog's first entry. Dependencies: dpkg-shlibdeps
# on the binary (glibc, libstdc++, libgcc); libdw1 (the DWARF cross-check loads it on
# first use) and graphviz (trace --html) are recommended.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUTDIR=${1:-$ROOT/.build-deb}
BIN=${UNWINDCHECK_BIN:-$("$HERE/build-release.sh")}
VERSION=$("$BIN" --version)
DEBVERSION=$(sed -n '1s/^unwindcheck (\([^)]*\)).*/\1/p' "$HERE/deb/changelog")
if [ "${DEBVERSION%-*}" != "$VERSION" ]; then
  echo "build-deb: the binary is $VERSION, Scripts/deb/changelog's first entry ${DEBVERSION}: add a changelog entry" >&2
  exit 1
fi
ARCH=$(dpkg --print-architecture)
mkdir -p "$OUTDIR"
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
P=$STAGE/unwindcheck
install -d "$P/DEBIAN" "$P/usr/bin" "$P/usr/lib/unwindcheck" "$P/usr/share/man/man1" \
  "$P/usr/share/bash-completion/completions" "$P/usr/share/doc/unwindcheck" "$P/usr/share/lintian/overrides"
install -m 0755 "$BIN" "$P/usr/bin/unwindcheck"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$P/usr/bin/unwindcheck"
ln -s ../../bin/unwindcheck "$P/usr/lib/unwindcheck/objtool"
"$BIN" manual | gzip -9n > "$P/usr/share/man/man1/unwindcheck.1.gz"
"$BIN" manual --objtool | gzip -9n > "$P/usr/share/man/man1/unwindcheck-objtool.1.gz"
"$BIN" completion bash > "$P/usr/share/bash-completion/completions/unwindcheck"
chmod 0644 "$P/usr/share/bash-completion/completions/unwindcheck"
install -m 0644 "$HERE/deb/copyright" "$P/usr/share/doc/unwindcheck/copyright"
gzip -9n < "$HERE/deb/changelog" > "$P/usr/share/doc/unwindcheck/changelog.Debian.gz"
install -m 0644 "$ROOT/README.md" "$P/usr/share/doc/unwindcheck/README.md"
install -d "$P/usr/share/doc/unwindcheck/docs/images"
install -m 0644 "$ROOT"/docs/*.md "$P/usr/share/doc/unwindcheck/docs/"
install -m 0644 "$ROOT"/docs/images/*.png "$P/usr/share/doc/unwindcheck/docs/images/"
# The two lintian warnings that stay, each with its reason.
install -m 0644 "$HERE/deb/lintian-overrides" "$P/usr/share/lintian/overrides/unwindcheck"
# The shared libraries the binary needs, as Debian computes them.
mkdir -p "$STAGE/debian"
printf 'Source: unwindcheck\n\nPackage: unwindcheck\nArchitecture: any\n' > "$STAGE/debian/control"
DEPENDS=$(cd "$STAGE" && dpkg-shlibdeps -O "$P/usr/bin/unwindcheck" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$DEPENDS" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies (is dpkg-dev installed?)" >&2; exit 1; }
SIZE=$(du -sk --exclude=DEBIAN "$P" | cut -f1)
cat > "$P/DEBIAN/control" <<EOF
Package: unwindcheck
Version: $DEBVERSION
Architecture: $ARCH
Maintainer: unwindcheck maintainers <maintainers@users.noreply.h-seed-5feb6a40.example>
Installed-Size: $SIZE
Depends: $DEPENDS
Recommends: libdw1, graphviz
Section: devel
Priority: optional
Description: static unwind validator for Linux kernel objects (x86-64, arm64)
 unwindcheck decodes the machine code of kernel-style ELF objects, computes the
 call-frame state at every instruction, validates it, merges the CFI of every
 code-patching site (alternatives, jump labels) and writes ORC or SFrame unwind
 tables. It stands in for the kernel's objtool in Kbuild (objtool= set to
 /usr/lib/unwindcheck/objtool), for kernels 6.1 and 6.12, and reports findings
 as text, JSON or SARIF for CI.
EOF
(cd "$P" && find usr -type f | sort | xargs md5sum) > "$P/DEBIAN/md5sums"
chmod 0644 "$P/DEBIAN/control" "$P/DEBIAN/md5sums"
DEB=$OUTDIR/unwindcheck_${DEBVERSION}_$ARCH.deb
dpkg-deb --root-owner-group -Zxz --build "$P" "$DEB" >/dev/null
echo "$DEB"
