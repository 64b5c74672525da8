#!/bin/bash
# bench-orc.sh [INPUT_LIST] - writing ORC over the whole corpus, on copies of the
# prepared inputs: unwindcheck in one process for all files and one process per file,
# beside the real objtool 6.12 per file with the Kbuild module flags.
# STATIC=1 also times a --static-swift-stdlib build per file (half the start-up cost),
# the build to use where Kbuild starts one process per object.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
LIST=${1:-${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}/inputs-amd64.list}
# shellcheck source=lib/corpus-env.sh
source "$HERE/lib/corpus-env.sh"
W=$(mktemp -d)
copy() { rm -rf "$W/c"; mkdir -p "$W/c"; i=0; : > "$W/list"; while read -r f; do i=$((i+1)); cp "$f" "$W/c/$i.ko"; echo "$W/c/$i.ko" >> "$W/list"; done < "$LIST"; }
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
copy; echo "unwindcheck --orc, one process:       $(t xargs -a "$W/list" -s 2000000 "$B" check --orc --ibt --link --module --prefix=16) s"
copy; echo "unwindcheck --orc, process per file:  $(t xargs -a "$W/list" -n 1 "$B" check --orc --ibt --link --module --prefix=16) s"
if [ "${STATIC:-0}" = 1 ]; then
  "$HERE/build-release.sh" >/dev/null
  BS="$HERE/../.build-static/release/unwindcheck"
  copy; echo "unwindcheck --orc, static stdlib, per file: $(t xargs -a "$W/list" -n 1 "$BS" check --orc --ibt --link --module --prefix=16) s"
fi
copy; echo "objtool 6.12 (Kbuild flags), per file: $(t xargs -a "$W/list" -n 1 "$OBJTOOL612" --hacks=jump_label --hacks=noinstr --hacks=skylake --ibt --orc --retpoline --rethunk --sls --static-call --uaccess --prefix=16 --link --module) s"
rm -rf "$W"
