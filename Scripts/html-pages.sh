#!/bin/bash
# html-pages.sh OUTDIR [--screenshots] - the HTML pages of the user guide's five common
# warnings (trace --html on TestObjects/x86_64/cfi) and of a patch-site conflict
# (alternatives --html on TestObjects/x86_64/alt/conflict.o), written to OUTDIR; with
# --screenshots each is rendered by headless Chromium to OUTDIR/NAME.png and its DOM
# (after the page's script ran) saved to OUTDIR/NAME.dom.html. The docs' two
# screenshots come from here: Scripts/html-pages.sh docs/images --screenshots keeps
# mismatch.png and conflict.png. UNWINDCHECK_BIN: the binary (default: the debug build).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
SHOTS=${2:-}
U=${UNWINDCHECK_BIN:-$ROOT/.build/debug/unwindcheck}
C=$ROOT/TestObjects/x86_64/cfi
"$U" trace --at mm_reg+0x9 --html "$OUT/mismatch.html" "$C/mismatch.o"
"$U" trace --function fall1 --html "$OUT/fallthrough.html" "$C/fallthrough.o"
"$U" trace --stackval --function nofp --html "$OUT/stackval.html" "$C/stackval.o"
"$U" trace --function unreach --html "$OUT/unreachable.html" "$C/unreachable.o"
"$U" trace --function modret --html "$OUT/modret.html" "$C/modret.o"
"$U" alternatives --html "$OUT/conflict.html" "$ROOT/TestObjects/x86_64/alt/conflict.o"
if [ "$SHOTS" = --screenshots ]; then
  CHROMIUM=$(command -v chromium || command -v chromium-browser)
  for page in mismatch fallthrough stackval unreachable modret conflict; do
    # (No sandbox: CI runs as root; the pages are our own, with no network access.)
    flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1)
    "$CHROMIUM" "${flags[@]}" --window-size=1100,760 --screenshot="$OUT/$page.png" "file://$OUT/$page.html" >/dev/null 2>&1
    "$CHROMIUM" "${flags[@]}" --dump-dom "file://$OUT/$page.html" > "$OUT/$page.dom.html" 2>/dev/null
    echo "$page: $OUT/$page.png ($(stat -c %s "$OUT/$page.png") bytes), DOM $(stat -c %s "$OUT/$page.dom.html") bytes"
  done
fi
