#!/bin/bash
# test-deb.sh DEB - the Debian package as a user gets it, step by step, logged:
#   1. lintian --pedantic: no error and no warning (the two overridden ones are shown
#      with their reasons);
#   2. the file list;
#   3. install: `dpkg -i` on this machine (as root, or with sudo -n); where that is not
#      possible, or unwindcheck is already installed, into a throwaway root
#      (`dpkg --root`) instead;
#   4. run it: `unwindcheck` from the PATH on a bundled object, its manual pages
#      (man -w), the bash completion, and a real Kbuild build of the test modules against
#      Debian's 6.12 headers with `objtool=/usr/lib/unwindcheck/objtool`, every object
#      compared with the real objtool's build (Scripts/kbuild-oot.sh);
#   5. remove: `dpkg --purge`, then none of its files is left.
# Prints "test-deb: passed" last, or stops at the first failure with exit 1.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DEB=$(readlink -f "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test-deb: FAILED: $*"; exit 1; }

echo "== lintian --pedantic $(basename "$DEB")"
lintian --pedantic --show-overrides "$DEB" 2>&1 | grep -v '^running with root privileges' > "$T/lintian" || true
cat "$T/lintian"
if grep -qE '^(E|W):' "$T/lintian"; then fail "lintian reports errors or warnings"; fi
echo "lintian: no errors, no warnings ($(grep -c '^O:' "$T/lintian") overridden)"

echo "== files"
dpkg-deb -c "$DEB" | awk '{ print $1, $6, $7, $8 }'
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' > "$T/files"

echo "== install"
SUDO=
MODE=system
if dpkg-query -W -f='${Status}' unwindcheck 2>/dev/null | grep -q 'install ok installed'; then
  MODE=throwaway   # (someone's own installation stays as it is)
elif [ "$(id -u)" != 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO=sudo; else MODE=throwaway; fi
fi
if [ $MODE = system ]; then
  $SUDO dpkg -i "$DEB"
  PREFIX=
else
  PREFIX=$T/root
  mkdir -p "$PREFIX/var/lib/dpkg/info" "$PREFIX/var/lib/dpkg/updates"
  touch "$PREFIX/var/lib/dpkg/status"
  dpkg --force-not-root --force-depends --log=/dev/null --root="$PREFIX" -i "$DEB"
  echo "(into a throwaway root, $PREFIX)"
fi
BIN=$PREFIX/usr/bin/unwindcheck
OBJTOOL=$PREFIX/usr/lib/unwindcheck/objtool

echo "== run"
if [ $MODE = system ]; then
  [ "$(command -v unwindcheck)" = /usr/bin/unwindcheck ] || fail "unwindcheck is not /usr/bin/unwindcheck on the PATH"
  echo "on the PATH: $(command -v unwindcheck), version $(unwindcheck --version)"
  if command -v man >/dev/null; then
    echo "man -w unwindcheck: $(man -w unwindcheck)"; echo "man -w unwindcheck-objtool: $(man -w unwindcheck-objtool)"
  fi
fi
for page in unwindcheck unwindcheck-objtool; do
  gzip -t "$PREFIX/usr/share/man/man1/$page.1.gz" || fail "$page.1.gz"
  echo "$page(1): $(zcat "$PREFIX/usr/share/man/man1/$page.1.gz" | grep -c '^\.TP') entries"
done
"$BIN" check --stats "$ROOT/TestObjects/x86_64/frames.o" | tail -2
completion=$(bash -c "source '$PREFIX/usr/share/bash-completion/completions/unwindcheck'
  COMP_WORDS=(unwindcheck sfr); COMP_CWORD=1; _unwindcheck; echo \${COMPREPLY[*]}
  COMP_WORDS=(unwindcheck check --again); COMP_CWORD=2; _unwindcheck; echo \${COMPREPLY[*]}")
echo "completion: unwindcheck sfr<TAB> -> $(echo "$completion" | head -1); unwindcheck check --again<TAB> -> $(echo "$completion" | tail -1)"
[ "$(echo "$completion" | head -1)" = sframe ] || fail "bash completion of commands"
echo "objtool personality: $("$OBJTOOL" --kernel=6.12 2>&1 | head -2 | tail -1)"
# (A copy of the test modules under its own name: its own build and result directories,
# apart from the Kbuild tests that may run at the same time.)
cp -r "$ROOT/TestObjects/kbuild-oot" "$T/kbuild-oot-package"
UNWINDCHECK_OBJTOOL=$OBJTOOL "$HERE/kbuild-oot.sh" --kernel 6.12 "$T/kbuild-oot-package" > "$T/kbuild" 2>&1 ||
  { tail -20 "$T/kbuild"; fail "Kbuild with $OBJTOOL"; }
grep '^kbuild-oot:' "$T/kbuild" | tail -1

echo "== remove"
if [ $MODE = system ]; then
  $SUDO dpkg --purge unwindcheck
else
  dpkg --force-not-root --log=/dev/null --root="$PREFIX" --purge unwindcheck
fi
left=0
while read -r f; do
  if [ -e "$PREFIX$f" ] || [ -L "$PREFIX$f" ]; then echo "left behind: $f"; left=$((left + 1)); fi
done < "$T/files"
[ -e "$PREFIX/usr/lib/unwindcheck" ] && { echo "left behind: /usr/lib/unwindcheck/"; left=$((left + 1)); }
[ $left = 0 ] || fail "$left files left after dpkg --purge"
echo "removed: none of its $(wc -l < "$T/files") files left"
echo "test-deb: passed"
