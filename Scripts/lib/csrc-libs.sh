# csrc-libs.sh - sourced by difftest-dwarf.sh and difftest-sframe.sh: Debian bookworm's
# sources of zlib, bzip2, lua5.4, libpng1.6, pcre2 and sqlite3 downloaded (apt-get source
# --download-only with a private source list; nothing installed) and unpacked into $DIR,
# prepared as their `configure` would, and LIBS: one "library|cflags|sources" per
# library; DIR (the sources), OUT (results) and CLANG (the Swift toolchain's) set.
# Defines config_compiler and build_libs (below), which both scripts build with.
DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}/csrc
OUT=$DIR/out
CLANG=${CLANG:-$(dirname "$(readlink -f "$(command -v swift)")")/clang}
mkdir -p "$DIR/apt/lists/partial" "$OUT"
cd "$DIR"

# 1. Sources.
PKGS="zlib bzip2 lua5.4 libpng1.6 pcre2 sqlite3"
if ! ls pcre2_*.dsc >/dev/null 2>&1; then
  echo "deb-src http://deb.debian.org/debian bookworm main" > apt/sources.list
  APTO=(-o "Dir::Etc::SourceList=$DIR/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$DIR/apt/lists")
  apt-get "${APTO[@]}" update -qq 2>/dev/null
  apt-get "${APTO[@]}" source --download-only -qq $PKGS 2>/dev/null
fi
for t in *.orig.tar.*; do
  case $t in *www*|*.asc) continue;; esac
  d=$(tar tf "$t" | head -1 | cut -d/ -f1)
  [ -d "$d" ] || tar xf "$t"
done

# 2. Per-library preparation (what `configure` would do, minus the build system).
Z=$(ls -d zlib-*/ | head -1); Z=$DIR/${Z%/}
P=$(ls -d libpng-*/ | head -1); P=$DIR/${P%/}
[ -f "$P/pnglibconf.h" ] || cp "$P/scripts/pnglibconf.h.prebuilt" "$P/pnglibconf.h"
R=$(ls -d pcre2-*/ | head -1); R=$DIR/${R%/}
[ -f "$R/src/config.h" ] || cp "$R/src/config.h.generic" "$R/src/config.h"
[ -f "$R/src/pcre2.h" ] || cp "$R/src/pcre2.h.generic" "$R/src/pcre2.h"
[ -f "$R/src/pcre2_chartables.c" ] || cp "$R/src/pcre2_chartables.c.dist" "$R/src/pcre2_chartables.c"
S=$(ls -d sqlite3-*/ | head -1); S=$DIR/${S%/}
if [ ! -f "$S/bld/sqlite3.c" ]; then
  (mkdir -p "$S/bld" && cd "$S/bld" && ../configure -q >/dev/null && make -s sqlite3.c >/dev/null)
fi
B=$(ls -d bzip2-*/ | head -1); B=$DIR/${B%/}
L=$(ls -d lua-*/ | head -1); L=$DIR/${L%/}

# "library|cflags|sources"
LIBS=(
  "zlib|-DHAVE_UNISTD_H -DHAVE_STDARG_H -I$Z|$(ls "$Z"/*.c | tr '\n' ' ')"
  "bzip2|-I$B|$(cd "$B" && ls blocksort.c huffman.c crctable.c randtable.c compress.c decompress.c bzlib.c bzip2.c | sed "s|^|$B/|" | tr '\n' ' ')"
  "lua|-DLUA_USE_LINUX -I$L/src|$(ls "$L"/src/*.c | tr '\n' ' ')"
  "libpng|-I$P -I$Z|$(cd "$P" && ls png*.c | grep -v pngtest | sed "s|^|$P/|" | tr '\n' ' ')"
  "pcre2|-DHAVE_CONFIG_H -DPCRE2_CODE_UNIT_WIDTH=8 -I$R/src|$(cd "$R/src" && ls pcre2_*.c | grep -vE 'pcre2_(dftables|fuzzsupport|jit_(match|misc|test)|printint|ucptables)\.c' | sed "s|^|$R/src/|" | tr '\n' ' ')"
  "sqlite3|-DSQLITE_THREADSAFE=1 -I$S/bld|$S/bld/sqlite3.c"
)

# config_compiler CONFIG: CC and F for a configuration: gcc-fp, gcc-nofp, clang-fp,
# clang-nofp, a64-gcc-{fp,nofp,pac}, a64-clang-{fp,nofp,pac} (pac:
# -mbranch-protection=pac-ret+bti). GCC (default gcc) and CLANG_FLAGS (extra clang
# options, e.g. -fno-integrated-as) from the environment.
config_compiler() {
  local clang="$CLANG ${CLANG_FLAGS:-}" a64clang="$CLANG --target=aarch64-linux-gnu --sysroot=/usr/aarch64-linux-gnu ${CLANG_FLAGS:-}"
  local fp="-fno-omit-frame-pointer" nofp="-fomit-frame-pointer" pac="-fno-omit-frame-pointer -mbranch-protection=pac-ret+bti"
  case $1 in
    gcc-fp) CC=${GCC:-gcc}; F=$fp;;
    gcc-nofp) CC=${GCC:-gcc}; F=$nofp;;
    clang-fp) CC=$clang; F=$fp;;
    clang-nofp) CC=$clang; F=$nofp;;
    a64-gcc-fp) CC=aarch64-linux-gnu-gcc; F=$fp;;
    a64-gcc-nofp) CC=aarch64-linux-gnu-gcc; F=$nofp;;
    a64-gcc-pac) CC=aarch64-linux-gnu-gcc; F=$pac;;
    a64-clang-fp) CC=$a64clang; F=$fp;;
    a64-clang-nofp) CC=$a64clang; F=$nofp;;
    a64-clang-pac) CC=$a64clang; F=$pac;;
    *) echo "unknown configuration $1" >&2; return 1;;
  esac
}

# build_libs ODIR FLAGS...: every source of LIBS compiled by $CC with FLAGS, the
# library's own flags into ODIR/LIB-FILE.o (two at a time); skipped when ODIR/.done.
build_libs() {
  local odir=$1 lib name flags srcs s
  shift
  [ -f "$odir/.done" ] && return 0
  mkdir -p "$odir"
  for lib in "${LIBS[@]}"; do
    IFS='|' read -r name flags srcs <<<"$lib"
    for s in $srcs; do echo "$s"; done | xargs -P2 -I{} sh -c "$CC $* $flags -c {} -o $odir/$name-\$(basename {} .c).o"
  done
  touch "$odir/.done"
}
