#!/bin/bash
# record-orc-goldens.sh - let the real objtool 6.12 and 6.1 write ORC into copies of
# some stack-validation TestObjects and record their --dump=orc (TestObjects/orc).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
# shellcheck disable=SC1091
source "$DIR/tools.env"
cd "$HERE/../TestObjects/orc"
for src in ../x86_64/cfi/clean.o ../x86_64/cfi/drap.o ../x86_64/cfi/hints.o ../x86_64/alt/pvsave.o ../x86_64/cfi/entry.o; do
  c=$(basename "${src%.o}")
  cp "$src" "$c.objtool612.o"; "$OBJTOOL612" --orc "$c.objtool612.o" 2>/dev/null || true
  "$OBJTOOL612" --dump=orc "$c.objtool612.o" > "$c.objtool612.dump.txt"
  [ "$c" = pvsave ] && continue  # 6.12 layout: objtool 6.1 cannot read it
  [ "$c" = entry ] && continue   # (6.12's signal bit is what it is there for)
  cp "$src" "$c.objtool61.o"; "$OBJTOOL61" --orc "$c.objtool61.o" 2>/dev/null || true
  "$OBJTOOL61" --dump=orc "$c.objtool61.o" > "$c.objtool61.dump.txt"
done
ls
# --prefix=16 as Kbuild runs it on an IBT kernel's linked module: the real 6.12-header
# object, all of Kbuild's flags. Record the dump and the __pfx_ symbols objtool made
# (name, value, size, binding, section), sorted by name.
cp ../kernel-headers/patchsites.o patchsites-prefix.objtool612.o
"$OBJTOOL612" --hacks=jump_label --hacks=noinstr --hacks=skylake --ibt --orc --retpoline --rethunk \
  --sls --static-call --uaccess --prefix=16 --link --module patchsites-prefix.objtool612.o 2>/dev/null || true
"$OBJTOOL612" --dump=orc patchsites-prefix.objtool612.o > patchsites-prefix.objtool612.dump.txt
readelf -sW patchsites-prefix.objtool612.o | awk '$8 ~ /^__pfx_/ {print $8, "0x" $2, $3, $5, $7}' | sed 's/0x0*\([0-9a-f]\)/0x\1/' | sort \
  > patchsites-prefix.objtool612.pfx.txt
# --cfi on clang's kCFI preambles (TestObjects/x86_64/kcfi): .cfi_sites.
cp ../x86_64/kcfi/kcfi.o kcfi.objtool612.o
"$OBJTOOL612" --orc --cfi --link kcfi.objtool612.o 2>/dev/null || true
"$OBJTOOL612" --dump=orc kcfi.objtool612.o > kcfi.objtool612.dump.txt
# --mcount and --mnop on gcc's ftrace entry calls (TestObjects/x86_64/mcount): __mcount_loc.
cp ../x86_64/mcount/mcount.o mcount.objtool612.o
"$OBJTOOL612" --orc --mcount mcount.objtool612.o 2>/dev/null || true
"$OBJTOOL612" --dump=orc mcount.objtool612.o > mcount.objtool612.dump.txt
cp ../x86_64/mcount/mcount.o mcount-mnop.objtool612.o
"$OBJTOOL612" --orc --mcount --mnop mcount-mnop.objtool612.o 2>/dev/null || true
"$OBJTOOL612" --dump=orc mcount-mnop.objtool612.o > mcount-mnop.objtool612.dump.txt
# --hacks=noinstr on KCOV calls in .noinstr.text (TestObjects/x86_64/noinstr).
cp ../x86_64/noinstr/noinstr.o noinstr.objtool612.o
"$OBJTOOL612" --orc --hacks=noinstr --link noinstr.objtool612.o 2>/dev/null || true
"$OBJTOOL612" --dump=orc noinstr.objtool612.o > noinstr.objtool612.dump.txt
# Kbuild 6.1's module flags (per object, no --link) on the object compiled against 6.1's
# headers (TestObjects/kernel-headers-61): the written object and the warnings.
cd ../kernel-headers-61
cp patchsites.o patchsites.objtool61.o
"$OBJTOOL61" --hacks=jump_label --hacks=noinstr --orc --retpoline --rethunk --sls --static-call --uaccess \
  --module patchsites.objtool61.o 2>&1 | sed 's|^patchsites.objtool61.o:|patchsites.o:|' > patchsites.objtool61.txt || true
