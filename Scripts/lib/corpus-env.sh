# corpus-env.sh - sourced by the corpus scripts: the corpus directory ($DIR), the oracle
# binaries ($OBJTOOL612, $OBJTOOL61, $ABI from tools.env), and a release build of
# unwindcheck ($B). The caller sets HERE to its own directory first.
DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
[ -f "$DIR/tools.env" ] || { echo "no corpus in $DIR: run Scripts/fetch-kernel-corpus.sh (INPUTS=1 for the objtool inputs)" >&2; exit 1; }
# shellcheck disable=SC1091
source "$DIR/tools.env"
cd "$HERE/.."
swift build -c release --product unwindcheck >/dev/null
B="$(swift build -c release --show-bin-path)/unwindcheck"
