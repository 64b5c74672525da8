#!/bin/bash
# difftest-many-sections.sh [N] - an object with N (default 66000) function sections,
# more than ELF's 0xff00 direct section indices: extended numbering (e_shnum 0,
# SHN_XINDEX, .symtab_shndx). `check --orc` must create a section symbol per code
# section, above 0xff00 through .symtab_shndx, and write the same ORC as the real
# objtool 6.12 (dump text and .orc_unwind bytes); times both.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/corpus-env.sh
source "$HERE/lib/corpus-env.sh"
N=${1:-66000}
CLANG=${CLANG:-$(dirname "$(readlink -f "$(command -v swift)")")/clang}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$N" > "$WORK/many.S" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    print(f'\t.section .text.f{i},"ax",@progbits\n\t.globl f{i}\n\t.type f{i},@function\n'
          f'f{i}:\n\tpush %rbp\n\tmov %rsp, %rbp\n\tpop %rbp\n\tret\n\t.size f{i},.-f{i}')
PY
"$CLANG" --target=x86_64-linux-gnu -c "$WORK/many.S" -o "$WORK/many.o"
cp "$WORK/many.o" "$WORK/theirs.o"
t0=$(date +%s.%N); "$OBJTOOL612" --orc "$WORK/theirs.o"; t1=$(date +%s.%N)
"$B" check --orc --output "$WORK/ours.o" "$WORK/many.o"; t2=$(date +%s.%N)
"$OBJTOOL612" --dump=orc "$WORK/theirs.o" > "$WORK/theirs.txt"
"$OBJTOOL612" --dump=orc "$WORK/ours.o" > "$WORK/ours.txt"
sec() { objcopy -O binary --only-section=.orc_unwind "$1" /dev/stdout | sha256sum | cut -d' ' -f1; }
same=no
cmp -s "$WORK/theirs.txt" "$WORK/ours.txt" && [ "$(sec "$WORK/theirs.o")" = "$(sec "$WORK/ours.o")" ] && same=yes
echo "many-sections: $N sections, $(wc -l < "$WORK/ours.txt") ORC entries, identical to objtool: $same;" \
  "objtool $(echo "$t1 - $t0" | bc) s, unwindcheck $(echo "$t2 - $t1" | bc) s"
[ "$same" = yes ]
