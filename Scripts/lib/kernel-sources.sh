# kernel-sources.sh - sourced by difftest-dwarf-kernel.sh and difftest-sframe.sh: real
# Debian 6.12 kernel sources (linux-source-6.12: net/sched, crypto, arch/x86/crypto, lib,
# fs/nls, three network drivers) compiled out of tree against the real Debian 6.12
# headers (the build-kernel-module.sh recipe: Kbuild's own flags, gcc-12, -g from the
# Debian config, objtool off), the compiler's .o files kept. Needs DIR (the corpus
# cache) and HERE (Scripts/). Sets ABI, HDR (amd64 headers) and defines
#   build_sources HEADERS BUILDDIR OUTDIR SUBDIR...   (KCFLAGS from the environment)
#   arm64_headers                                     (sets HA: the arm64 headers)
mkdir -p "$DIR/ksrc"
ABI=$(apt-cache search --names-only '^linux-kbuild-6\.12\..*\+deb12$' | awk '{print $1}' \
      | sed 's/^linux-kbuild-//' | sort -V | tail -1)
(
cd "$DIR/ksrc"
ls linux-source-6.12_*.deb >/dev/null 2>&1 || apt-get download -q linux-source-6.12 2>/dev/null
if [ ! -d linux-source-6.12/net/sched ]; then
  dpkg-deb --fsys-tarfile linux-source-6.12_*.deb | tar -x './usr/src/linux-source-6.12.tar.xz'
  tar -xJf usr/src/linux-source-6.12.tar.xz --wildcards 'linux-source-6.12/net/sched/*' \
    'linux-source-6.12/crypto/*' 'linux-source-6.12/arch/x86/crypto/*' 'linux-source-6.12/lib/*' \
    'linux-source-6.12/fs/nls/*' 'linux-source-6.12/drivers/net/dummy.c' \
    'linux-source-6.12/drivers/net/ifb.c' 'linux-source-6.12/drivers/net/veth.c'
  rm -f usr/src/linux-source-6.12.tar.xz
fi
)
# Headers: reuse build-kernel-module.sh's unpacked tree (run it once if missing).
HDR=$(ls -d "$DIR"/kroot/usr/src/linux-headers-6.12.*-amd64 2>/dev/null | sort -V | tail -1)
if [ -z "$HDR" ]; then "$HERE/build-kernel-module.sh" >/dev/null; HDR=$(ls -d "$DIR"/kroot/usr/src/linux-headers-6.12.*-amd64 | sort -V | tail -1); fi
# build_sources HEADERS BUILDDIR OUTDIR SUBDIR...: every .c of each kernel subdirectory
# as its own out-of-tree module (objtool off), the compiler's .o files copied to OUTDIR.
build_sources() {
  local hdr=$1 build=$2 out=$3 sub b o
  shift 3
  mkdir -p "$out"
  for sub in "$@"; do
    b=$build/${sub//\//_}
    rm -rf "$b"; mkdir -p "$b"
    cp "$DIR"/ksrc/linux-source-6.12/$sub/*.c "$b/" 2>/dev/null || true
    cp "$DIR"/ksrc/linux-source-6.12/$sub/*.h "$b/" 2>/dev/null || true
    { for c in "$b"/*.c; do echo "obj-m += $(basename "${c%.c}").o"; done
      echo 'OBJECT_FILES_NON_STANDARD := y'
      echo "ccflags-y += -I$b"; } > "$b/Kbuild"
    make -s -k -j2 -C "$hdr" M="$b" KCFLAGS="${KCFLAGS:-}" modules >/dev/null 2>&1 || true
    for o in "$b"/*.o; do
      case $o in *.mod.o) continue;; esac
      [ -f "${o%.o}.c" ] && cp "$o" "$out/${sub//\//_}-$(basename "$o")"
    done
  done
  touch "$out/.done"
}
# arm64_headers: the real Debian 6.12 arm64 headers for Kbuild with ARCH=arm64 and
# CROSS_COMPILE=aarch64-linux-gnu- (set by the headers' own .kernelvariables; Debian's
# gcc-12 cross compiler), host tools from the amd64 kbuild; sets HA.
arm64_headers() {
  command -v aarch64-linux-gnu-gcc-12 >/dev/null || apt-get install -y -qq --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross >/dev/null
  local KA=$DIR/kroot-arm64 d
  mkdir -p "$KA/debs"
  ls "$KA"/debs/linux-headers-*-arm64_*.deb >/dev/null 2>&1 || (cd "$KA/debs" && apt-get download -q "linux-headers-$ABI-arm64:arm64" 2>/dev/null)
  HA=$(ls -d "$KA"/usr/src/linux-headers-6.12.*-arm64 2>/dev/null | sort -V | tail -1)
  if [ -z "$HA" ]; then
    for d in "$KA"/debs/*.deb "$DIR"/kroot/debs/linux-headers-6.12.*-common_*.deb "$DIR"/kroot/debs/linux-kbuild-6.12.*_amd64.deb; do
      dpkg -x "$d" "$KA"
    done
    HA=$(ls -d "$KA"/usr/src/linux-headers-6.12.*-arm64 | sort -V | tail -1)
    sed -i "s|^include .*/linux-headers-.*-common/Makefile|include ${HA%-arm64}-common/Makefile|" "$HA/Makefile"
  fi
}
