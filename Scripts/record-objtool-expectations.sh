#!/bin/bash
# record-objtool-expectations.sh - run the real objtool 6.12 (Debian linux-kbuild-6.12's
# objtool.real-x86, fetched by Scripts/fetch-kernel-corpus.sh) on every stack-validation
# TestObject and record its findings as the expected output:
#   CASE.objtool-orc.txt       objtool --orc --dry-run CASE.o
#   CASE.objtool-stackval.txt  objtool --stackval --dry-run CASE.o
#   CASE.objtool-backtrace.txt objtool --orc --dry-run --backtrace CASE.o
#   CASE.objtool-orcdump.txt   objtool --dump=orc of a copy after objtool --orc
# run from the case's directory so lines read "CASE.o: warning: objtool: ...".
# Cases: TestObjects/x86_64/{cfi,alt,annotate,alt61}, kernel-headers, compiled.
# The exact binary and flags go to TestObjects/x86_64/cfi/EXPECTATIONS.txt.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
# shellcheck disable=SC1091
source "$DIR/tools.env"
# All modes for one case, run in its directory.
record() {  # CASE.o
  local o=$1 c=${1%.o} t
  "$OBJTOOL612" --orc --dry-run "$o" > "$c.objtool-orc.txt" 2>&1 || true
  "$OBJTOOL612" --stackval --dry-run "$o" > "$c.objtool-stackval.txt" 2>&1 || true
  "$OBJTOOL612" --orc --dry-run --backtrace "$o" > "$c.objtool-backtrace.txt" 2>&1 || true
  # The ORC objtool writes (on a copy), as its --dump=orc text.
  t=$(mktemp); cp "$o" "$t"; "$OBJTOOL612" --orc "$t" >/dev/null 2>&1 || true
  "$OBJTOOL612" --dump=orc "$t" > "$c.objtool-orcdump.txt" 2>/dev/null || true; rm -f "$t"
}
for d in x86_64/cfi x86_64/alt x86_64/annotate kernel-headers; do
  cd "$HERE/../TestObjects/$d"
  for o in *.o; do record "$o"; done
done
# The 6.1 layout, against objtool 6.1 (CASE.objtool61-orc.txt) and 6.12.
cd "$HERE/../TestObjects/x86_64/alt61"
for o in *.o; do
  c=${o%.o}
  "$OBJTOOL61" --orc --dry-run "$o" > "$c.objtool61-orc.txt" 2>&1 || true
  "$OBJTOOL612" --orc --dry-run "$o" > "$c.objtool-orc.txt" 2>&1 || true
done
# --no-unreachable, once.
(cd "$HERE/../TestObjects/x86_64/cfi" && "$OBJTOOL612" --orc --dry-run --no-unreachable unreachable.o > unreachable.objtool-nounreachable.txt 2>&1 || true)
# A register move into the CFA's base: objtool 6.1's decoder has no op for it.
(cd "$HERE/../TestObjects/x86_64/cfi" && "$OBJTOOL61" --orc --dry-run fpclobber.o > fpclobber.objtool61-orc.txt 2>&1 || true)
# Real compiler output (gcc/clang -O2, jump tables, frame pointers on and off).
cd "$HERE/../TestObjects/compiled"
for o in *x86_64*.o; do record "$o"; done
# --ibt changes what counts as a sibling call (a jump past ENDBR); --ibt needs --link.
cd "$HERE/../TestObjects/x86_64/cfi"
"$OBJTOOL612" --orc --ibt --link --dry-run ibtjump.o > ibtjump.objtool-ibt.txt 2>&1 || true
{
  echo "Expected findings recorded from the real objtool (Scripts/record-objtool-expectations.sh)."
  echo "binary: $(basename "$(dirname "$(dirname "$(dirname "$OBJTOOL612")")")")/tools/objtool/objtool.real-x86 (Debian package linux-kbuild-$ABI)"
  echo "sha256: $(sha256sum "$OBJTOOL612" | cut -d' ' -f1)"
  echo "6.1 cases (x86_64/alt61/*.objtool61-orc.txt): linux-kbuild-6.1 objtool, sha256 $(sha256sum "$OBJTOOL61" | cut -d' ' -f1)"
  echo "modes: --orc --dry-run (CASE.objtool-orc.txt), --stackval --dry-run (CASE.objtool-stackval.txt),"
  echo "       --orc --dry-run --backtrace (CASE.objtool-backtrace.txt)"
} > EXPECTATIONS.txt
cat EXPECTATIONS.txt
ls *.objtool-*.txt | wc -l
# The check families of Kbuild's other flags: TestObjects/x86_64/FAMILY/FAMILY.o run
# through the real objtool with each flag set (on a copy: it may write), its stderr
# recorded as GOLDEN.objtool612.txt with the copy's name put back.
family() { # family golden flags...
  local fam=$1 golden=$2; shift 2
  cp "$HERE/../TestObjects/x86_64/$fam/$fam.o" "/tmp/unwindcheck-$fam.o"
  "$OBJTOOL612" "$@" "/tmp/unwindcheck-$fam.o" 2>&1 | sed "s|/tmp/unwindcheck-$fam.o|$fam.o|" \
    > "$HERE/../TestObjects/x86_64/$fam/$golden.objtool612.txt" || true
  rm -f "/tmp/unwindcheck-$fam.o"
  echo "  x86_64/$fam/$golden.objtool612.txt: $(wc -l < "$HERE/../TestObjects/x86_64/$fam/$golden.objtool612.txt") lines ($*)"
}
family mitigations mitigations --retpoline --rethunk --sls --link
family mitigations mitigations-sls --sls --link
family uaccess uaccess --uaccess --link
family uaccess uaccess-df --orc --link --dry-run
family ibt ibt --ibt --link
family ibt ibt-module --ibt --link --module --orc --dry-run
family staticcall staticcall --static-call --link --dry-run
family staticcall staticcall-module --static-call --link --module --dry-run
family entry entry --noinstr --unret --rethunk --link --orc --dry-run
family entry entry-noinstr --noinstr --link --dry-run
family noinstrext noinstrext --noinstr --link --dry-run
family unretfail unretfail --unret --rethunk --link --dry-run
family undefcfa undefcfa --orc --prefix=16 --link --dry-run
# ... and what objtool writes there (the __pfx_ symbols, no ORC).
cp "$HERE/../TestObjects/x86_64/undefcfa/undefcfa.o" "$HERE/../TestObjects/x86_64/undefcfa/undefcfa.objtool612.o"
"$OBJTOOL612" --orc --prefix=16 --link "$HERE/../TestObjects/x86_64/undefcfa/undefcfa.objtool612.o" 2>/dev/null || true
# Malformed kernel tables (TestObjects/x86_64/badtables): objtool stops at the first bad
# entry it reads. annotations.o, labels.o and targets.o have a bad entry in several tables; each
# line of CASE.objtool-orc.txt is objtool's verdict once the tables before it are
# removed (objcopy --remove-section), so every table's stop is recorded.
cd "$HERE/../TestObjects/x86_64/badtables"
"$OBJTOOL612" --orc --dry-run hints.o > hints.objtool-orc.txt 2>&1 || true
per_table() {  # CASE TABLE...
  local c=$1 removed=() args t; shift
  for t in "$@"; do
    args=(); for r in "${removed[@]}"; do args+=(--remove-section="$r" --remove-section=".rela$r"); done
    objcopy "${args[@]}" "$c.o" "/tmp/unwindcheck-$c.o"
    echo "removed [${removed[*]}]: $("$OBJTOOL612" --orc --dry-run "/tmp/unwindcheck-$c.o" 2>&1 | sed "s|/tmp/unwindcheck-$c.o|$c.o|")"
    removed+=("$t")
  done > "$c.objtool-orc.txt"
  rm -f "/tmp/unwindcheck-$c.o"
}
per_table annotations .discard.noendbr .discard.reachable .discard.retpoline_safe .discard.instr_end
per_table labels __jump_table __ex_table
per_table targets __jump_table __ex_table
