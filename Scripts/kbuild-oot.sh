#!/bin/bash
# kbuild-oot.sh [--kernel 6.1|6.12] [MODULE_SRC_DIR] - a real Kbuild build of
# out-of-tree modules against Debian's headers of that kernel (6.12: the newest
# linux-headers-6.12.*-amd64; 6.1: Debian 12's own linux-headers-6.1.0-*-amd64; unpacked
# with dpkg -x into the corpus cache by kbuild-headers.sh, nothing installed), twice:
# once with the objtool Kbuild ships, once with unwindcheck standing in (`make ...
# objtool=DIR/objtool`, a link to the release binary, which then runs as objtool and
# picks the kernel's contract from Kbuild's VERSION/PATCHLEVEL). Default source:
# TestObjects/kbuild-oot. KBUILD_CMD overrides the build command (the DKMS script
# does), run in the source copy with $HDR, $KVER and $MAKEOBJTOOL (empty, or
# `objtool=PATH`) set; KBUILD_DIR the directory the source is copied to (default
# CACHE/kroot*/build-NAME).
#
# Compares every object of the two builds (every .o and .ko under the build directory):
# byte for byte, or the same sections, contents and symbols (Scripts/compare-objects.py;
# unwindcheck writes the ELF file itself, objtool through libelf); a .ko may differ in
# .BTF alone (pahole); and objtool's messages (every `objtool: ` line on stderr, in
# any order). Prints one line per object that objtool processed or that differs and then
#   kbuild-oot: NAME K=6.1 N objects: I the same (T touched by objtool), D differ;
#   M modules; objtool's messages: W, same|different; objtool runs: R, all unwindcheck
# (R: the commands Kbuild recorded that ran `objtool=`; a build where any objtool run was
# not unwindcheck's fails.)
# Exits 1 if any object differs, 2 if the build itself failed (with the real objtool).
# Needs make, bc, gcc-12, pahole (apt-get install pahole).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
KERNEL=6.12
if [ "${1:-}" = --kernel ]; then KERNEL=$2; shift 2; fi
SRC=$(cd "${1:-$HERE/../TestObjects/kbuild-oot}" && pwd)
eval "$("$HERE/kbuild-headers.sh" "$KERNEL")"   # HDR, KROOT, KVER
# UNWINDCHECK_OBJTOOL: an objtool path to hand Kbuild as it is (an installed package's
# /usr/lib/unwindcheck/objtool); else a link named objtool to UNWINDCHECK_BIN or the
# release build.
if [ -n "${UNWINDCHECK_OBJTOOL:-}" ]; then
  OBJTOOL_PATH=$UNWINDCHECK_OBJTOOL
else
  B=${UNWINDCHECK_BIN:-$("$HERE/build-release.sh")}   # UNWINDCHECK_BIN: a given build
  TOOLDIR="$KROOT/unwindcheck-as-objtool"
  mkdir -p "$TOOLDIR"
  ln -sf "$B" "$TOOLDIR/objtool"
  OBJTOOL_PATH=$TOOLDIR/objtool
fi
NAME=$(basename "$SRC")
# Both builds in the same directory (paths end up in debug info and WARN strings),
# their results kept aside.
BUILD=${KBUILD_DIR:-"$KROOT/build-$NAME"}
LOG="$KROOT/log-$NAME"
mkdir -p "$LOG"
for which in objtool unwindcheck; do
  rm -rf "$BUILD"; cp -a "$SRC" "$BUILD"
  MAKEOBJTOOL=; [ "$which" = objtool ] || MAKEOBJTOOL="objtool=$OBJTOOL_PATH"
  # Objects newer than this are the build's own (a DKMS source may ship prebuilt blobs).
  touch "$BUILD/.kbuild-oot-start"; sleep 1
  if [ -n "${KBUILD_CMD:-}" ]; then
    cmd=$KBUILD_CMD
  else
    cmd='make -C "$HDR" M="$PWD" $MAKEOBJTOOL modules'
  fi
  if ! (cd "$BUILD" && HDR="$HDR" KVER="$KVER" MAKEOBJTOOL="$MAKEOBJTOOL" bash -c "$cmd") \
       > "$LOG/$which.out" 2> "$LOG/$which.err"; then
    echo "kbuild-oot: $NAME: the build with $which failed (see $LOG/$which.err):"; tail -5 "$LOG/$which.err"
    [ "$which" = objtool ] && exit 2
    exit 1
  fi
  # Which objtool ran: Kbuild records each object's command line, objtool's included.
  runs=$(find "$BUILD" -name '.*.cmd' -print0 | xargs -0 -r grep -h '^savedcmd_\|^cmd_' | grep -o '[^ ]*/objtool ' | sort | uniq -c || true)
  if [ "$which" = unwindcheck ]; then
    ours=$(echo "$runs" | awk -v t="$OBJTOOL_PATH " '$2 " " == t {print $1}')
    others=$(echo "$runs" | awk -v t="$OBJTOOL_PATH " 'NF && $2 " " != t {n += $1} END {print n + 0}')
    if [ -z "$ours" ] || [ "$others" != 0 ]; then
      echo "kbuild-oot: $NAME: unwindcheck did not stand in for every objtool run:"; echo "$runs"; exit 1
    fi
  fi
  rm -rf "$KROOT/result-$NAME-$which"; mkdir -p "$KROOT/result-$NAME-$which"
  (cd "$BUILD" && find . -newer .kbuild-oot-start \( -name '*.o' -o -name '*.ko' \) -print0 |
     xargs -0 -r cp --parents -t "$KROOT/result-$NAME-$which")
done
A="$KROOT/result-$NAME-objtool"; U="$KROOT/result-$NAME-unwindcheck"
n=0; same=0; touched=0; differ=0; modules=0
while IFS= read -r -d '' f; do
  rel=${f#"$A"/}; n=$((n + 1))
  case "$rel" in *.ko) modules=$((modules + 1));; esac
  # objtool wrote into it when it has ORC (or any section only objtool writes).
  if readelf -S -W "$f" 2>/dev/null | grep -qE '\.orc_unwind|\.return_sites|\.retpoline_sites|\.static_call_sites'; then
    touched=$((touched + 1)); mark=" (objtool's output)"
  else
    mark=""
  fi
  if [ ! -f "$U/$rel" ]; then
    differ=$((differ + 1)); echo "$rel: missing in the unwindcheck build"; continue
  fi
  if cmp -s "$f" "$U/$rel"; then
    same=$((same + 1)); [ -z "$mark" ] || echo "$rel$mark: identical"; continue
  fi
  if layout=$(python3 "$HERE/compare-objects.py" "$f" "$U/$rel"); then
    same=$((same + 1)); echo "$rel$mark: $layout"; continue
  fi
  case "$rel" in *.ko)
    if [ -z "$(echo "$layout" | grep -v '^\.BTF: ' | grep -v '^\.note\.gnu\.build-id: ')" ]; then
      same=$((same + 1)); echo "$rel$mark: the same but for .BTF (pahole)"; continue
    fi;;
  esac
  differ=$((differ + 1)); echo "$rel$mark: differs"; echo "$layout" | sed 's/^/  /' | head -20
done < <(find "$A" \( -name '*.o' -o -name '*.ko' \) -print0 | sort -z)
# objtool's messages in the two builds (warnings and errors; sorted: a package may build with -j).
grep -h "objtool: " "$LOG/objtool.err" | sort > "$LOG/objtool.msgs" || true
grep -h "objtool: " "$LOG/unwindcheck.err" | sort > "$LOG/unwindcheck.msgs" || true
msgs=$(wc -l < "$LOG/objtool.msgs")
if cmp -s "$LOG/objtool.msgs" "$LOG/unwindcheck.msgs"; then
  msgsame=same
else
  msgsame=different; differ=$((differ + 1))
  diff "$LOG/objtool.msgs" "$LOG/unwindcheck.msgs" | head -20 | sed 's/^/  messages: /'
fi
echo "kbuild-oot: $NAME K=$KERNEL $n objects: $same the same ($touched touched by objtool), $differ differ; $modules modules; objtool's messages: $msgs, $msgsame; objtool runs: $ours, all unwindcheck"
[ "$differ" = 0 ]
