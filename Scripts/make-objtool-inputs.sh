#!/bin/bash
# make-objtool-inputs.sh LIST OUTDIR - turn shipped modules into the objects objtool saw
# at build time: strip what objtool generated (.orc_unwind, .orc_unwind_ip, *_sites,
# .ibt_endbr_seal and their .rela sections) and re-create the .discard.* annotations
# that module.lds dropped (Scripts/lib/elfkit.py add-discard: reachable WARN ud2s,
# intra-function calls, pv_ops retpoline_safe calls, __SCT__ noendbr). The real
# objtool 6.12 reproduces the shipped ORC from these for 4,222 of 4,225 modules
# (shared/reference/oracle-report.md §3), so they are input/expected-output pairs.
# Writes OUTDIR/<path relative to corpus-*/>.ko and OUTDIR.list. PAR=N parallel jobs.
set -eu
LIST=$1; OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PY:-$(command -v /usr/bin/python3 || command -v python3)}
mkdir -p "$OUT"
export HERE PY OUT
xargs -a "$LIST" -P "${PAR:-2}" -I{} bash -c '
  ko=$1; rel=$(echo "$ko" | sed "s|.*corpus-[a-z0-9]*/||"); dst="$OUT/$rel"
  [ -s "$dst" ] && exit 0
  mkdir -p "$(dirname "$dst")"
  args=(); for s in .orc_unwind .orc_unwind_ip .return_sites .call_sites .retpoline_sites \
                    .static_call_sites .ibt_endbr_seal; do
    args+=(--remove-section="$s" --remove-section=".rela$s"); done
  objcopy "${args[@]}" "$ko" "$dst.tmp"
  "$PY" "$HERE/lib/elfkit.py" add-discard "$dst.tmp" "$dst" 2>/dev/null || cp "$dst.tmp" "$dst"
  rm -f "$dst.tmp"' _ {}
# (Absolute paths: the differential scripts run from anywhere.)
find "$(cd "$OUT" && pwd)" -name '*.ko' | sort > "$OUT.list"
echo "make-objtool-inputs: $(wc -l < "$OUT.list") inputs in $OUT (list: $OUT.list)"
