#!/bin/bash
# fuzz.sh TARGET SECONDS [JOBS] - build the libFuzzer harnesses (Sources/Fuzz, with
# -sanitize=fuzzer,address; not part of the default build) and run one target for
# SECONDS: elf, x86, arm64, tables, pipeline, dwarf, sframe (see Sources/Fuzz/Fuzz.swift).
# Seeds: the TestObjects (whole objects, or their code for the decoders) and, when the
# corpus is fetched, a few real modules. The growing corpus and any crash, timeout
# (1 s) or leak found stay in ${UNWINDCHECK_FUZZ_DIR:-~/.cache/unwindcheck-fuzz}/TARGET;
# a finding makes the exit status 1 (turn it into a TestObjects regression case).
# FUZZ_RUNS=N stops after N executions (whichever of time and count comes first;
# the issue's bar is 10 million executions or 2 hours).
# Prints: fuzz TARGET: N runs in S s (R/s), 0 crashes
set -eu
T=$1; SECS=$2; JOBS=${3:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT="$HERE/.."
case "$T" in elf|x86|arm64|tables|pipeline|dwarf|sframe) ;; *) echo "fuzz.sh: unknown target $T" >&2; exit 2 ;; esac
cd "$ROOT"
UNWINDCHECK_FUZZ=1 swift build -c release --product unwindcheck-fuzz --build-path .build-fuzz \
  -Xswiftc -sanitize=fuzzer,address >/dev/null
BIN="$ROOT/.build-fuzz/release/unwindcheck-fuzz"
BASE=${UNWINDCHECK_FUZZ_DIR:-$HOME/.cache/unwindcheck-fuzz}
CORPUS="$BASE/$T/corpus"; SEEDS="$BASE/$T/seeds"; ART="$BASE/$T/artifacts"
mkdir -p "$CORPUS" "$SEEDS" "$ART"
if [ -z "$(ls -A "$SEEDS")" ]; then
  CORP=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
  case "$T" in
    x86|arm64)
      pat=$([ "$T" = arm64 ] && echo arm64 || echo x86_64)
      oc=objcopy; [ "$T" = arm64 ] && command -v aarch64-linux-gnu-objcopy >/dev/null && oc=aarch64-linux-gnu-objcopy
      for o in $(find TestObjects -name '*.o' | grep "$pat"); do
        "$oc" -O binary --only-section=.text "$o" "$SEEDS/$(echo "$o" | tr / _).text" 2>/dev/null || true
      done
      find "$SEEDS" -size 0 -delete ;;
    sframe)
      # The assemblers' .sframe sections (version 1) and unwindcheck's own (1, 2, 3:
      # by the debug build, which Scripts/test.sh has made).
      UC="$ROOT/.build/debug/unwindcheck"
      for o in TestObjects/sframe/*.o; do
        oc=objcopy; case "$o" in *arm64*) oc=aarch64-linux-gnu-objcopy ;; esac
        "$oc" -O binary --only-section=.sframe "$o" "$SEEDS/$(basename "$o").sframe" 2>/dev/null || true
        for v in 1 2 3; do
          [ -x "$UC" ] && "$UC" check --sframe=$v --replace --output "$SEEDS/tmp.o" "$o" >/dev/null 2>&1 &&
            "$oc" -O binary --only-section=.sframe "$SEEDS/tmp.o" "$SEEDS/$(basename "$o").v$v.sframe" 2>/dev/null || true
        done
      done
      rm -f "$SEEDS/tmp.o"; find "$SEEDS" -size 0 -delete ;;
    *)
      for o in $(find TestObjects -name '*.o'); do cp "$o" "$SEEDS/$(echo "$o" | tr / _)"; done
      # A few small real modules (objects under 64 KB keep executions fast).
      if [ -f "$CORP/inputs-amd64.list" ]; then
        for k in $(xargs -a "$CORP/inputs-amd64.list" ls -S 2>/dev/null | tail -40); do cp "$k" "$SEEDS/"; done
      fi ;;
  esac
fi
# Decoder inputs are code bytes: 4 KB hold hundreds of instructions and keep executions
# fast; whole objects may be larger.
case "$T" in x86|arm64) MAXLEN=4096 ;; *) MAXLEN=262144 ;; esac
LOG="$BASE/$T/last-run.log"
rm -f "$BASE/$T"/fuzz-*.log  # libFuzzer's worker logs (-jobs) of the previous run
START=$(date +%s)
set +e
( cd "$BASE/$T" && UNWINDCHECK_FUZZ_TARGET=$T ASAN_OPTIONS=detect_leaks=1 "$BIN" \
    -max_total_time="$SECS" -runs="${FUZZ_RUNS:--1}" -timeout=1 -rss_limit_mb=2048 -max_len="$MAXLEN" \
    -artifact_prefix="$ART/" -jobs="$JOBS" -workers="$JOBS" -print_final_stats=1 \
    "$CORPUS" "$SEEDS" ) > "$LOG" 2>&1
status=$?
set -e
ELAPSED=$(( $(date +%s) - START ))
# The workers (-jobs) log to fuzz-N.log, each with its final stats; the driver's log
# repeats them when there is one worker, so count the workers' only.
runs=$(cat "$BASE/$T"/fuzz-*.log 2>/dev/null | grep 'stat::number_of_executed_units' | awk '{s+=$2} END {print s+0}')
found=$(ls "$ART" | grep -c -E '^(crash|timeout|leak|oom|slow-unit)-' || true)
echo "fuzz $T: $runs runs in $ELAPSED s ($((runs / (ELAPSED > 0 ? ELAPSED : 1)))/s), $found findings in $ART (exit $status)"
[ "$status" -eq 0 ] && [ "$found" -eq 0 ]
