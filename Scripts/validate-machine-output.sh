#!/bin/bash
# validate-machine-output.sh [LIST] [FLAGS...] - the machine-readable findings of a
# whole corpus (default: the prepared Debian 6.12 amd64 inputs, with --link --module
# --stackval: 166,119 distinct findings) checked end to end: `check --format sarif`
# validates against the OASIS SARIF 2.1.0 schema (Tests/Schemas, python3-jsonschema),
# every `check --format json` line parses, and both carry as many findings as the text
# lines. Prints
#   machine-output: F files, text N, json N (parsed), sarif N results (schema: valid)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
LIST=${1:-${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}/inputs-amd64.list}; shift || true
FLAGS=("$@"); [ ${#FLAGS[@]} -gt 0 ] || FLAGS=(--link --module --stackval)
# shellcheck source=lib/corpus-env.sh
source "$HERE/lib/corpus-env.sh"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
xargs -a "$LIST" "$B" check "${FLAGS[@]}" 2> "$OUT/text" >/dev/null || true
xargs -a "$LIST" "$B" check "${FLAGS[@]}" --format json > "$OUT/json" 2>/dev/null || true
# (One log for the whole list: xargs could split it into several invocations.)
"$B" check "${FLAGS[@]}" --format sarif $(cat "$LIST") > "$OUT/sarif" 2>/dev/null || true
/usr/bin/python3 - "$OUT" "$HERE/../Tests/Schemas/sarif-schema-2.1.0.json" "$(wc -l < "$LIST")" <<'PY'
import json, sys, jsonschema
out, schema, files = sys.argv[1], sys.argv[2], sys.argv[3]
text = sum(1 for l in open(f"{out}/text") if ": warning: unwindcheck: " in l or ": error: unwindcheck: " in l)
js = [json.loads(l) for l in open(f"{out}/json") if l.strip()]
log = json.load(open(f"{out}/sarif"))
jsonschema.Draft7Validator(json.load(open(schema))).validate(log)
results = sum(len(r["results"]) for r in log["runs"])
print(f"machine-output: {files} files, text {text}, json {len(js)} (parsed), sarif {results} results (schema: valid)")
sys.exit(0 if text == len(js) == results else 1)
PY
