#!/bin/bash
# build-vmlinux.sh [--config NAME] [DIR] - a whole kernel to validate, with the real
# objtool's verdicts. Debian's linux-source-6.12 (from the Debian registry) configured as
# NAME, built up to vmlinux; then vmlinux.o is linked again from vmlinux.a WITHOUT
# objtool, so every .discard.* annotation and unwind hint is still there.
#   defconfig   x86_64_defconfig (UNWINDER_ORC and X86_KERNEL_IBT, so Kbuild runs objtool
#               once on vmlinux.o with --link); built in DIR/src itself
#   xen         x86_64_defconfig + xen.config (a Xen PV guest: PARAVIRT_XXL, xen-asm)
#   kvm         x86_64_defconfig + kvm_guest.config
#   sanitizers  x86_64_defconfig + KASAN, KCOV (all of the kernel), UBSAN
#   debian      the built-in part of Debian's own amd64 config (linux-image-*-amd64-unsigned's
#               /boot/config: every =m made =n, Debian's certificate paths dropped)
# Every configuration but defconfig is built out of tree in DIR/NAME/build. Left in
# DIR (default ~/.cache/unwindcheck-vmlinux; never inside the repository), for defconfig
# in DIR itself, for the others in DIR/NAME:
#   vmlinux-raw.o        the input
#   objtool              the kernel tree's own objtool (the oracle)
#   kbuild.args          the flags Kbuild gave objtool for vmlinux.o (from .vmlinux.o.cmd)
#   orcprefix.o/.orc/.warn  objtool --orc --prefix=16 --link: object, --dump=orc text, stderr
#   full.o/.orc/.warn    objtool with Kbuild's flag set (defconfig: plus --noinstr --unret)
#   objtool.time         "SECONDS MAXRSS_KB" of the --orc --prefix=16 --link run
# Needs root (apt), ~6 GB of disk per configuration, ~21 min on 2 cores for defconfig.
# Rerunning skips finished steps. NICE=N runs the build at that niceness.
set -eu
CONFIG=defconfig
if [ "${1:-}" = --config ]; then CONFIG=$2; shift 2; fi
DIR=${1:-${UNWINDCHECK_VMLINUX:-$HOME/.cache/unwindcheck-vmlinux}}
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
if ! dpkg -s flex bison bc libssl-dev cpio libelf-dev >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq flex bison bc libssl-dev cpio libelf-dev >/dev/null
fi
cd "$DIR"
if [ ! -d src ]; then
  ls linux-source-6.12_*.deb >/dev/null 2>&1 || apt-get download -q linux-source-6.12
  rm -rf unpack && dpkg -x linux-source-6.12_*.deb unpack
  mkdir -p src.tmp && tar xf unpack/usr/src/linux-source-6.12.tar.xz -C src.tmp --strip-components=1
  rm -rf unpack && mv src.tmp src
fi
SRC=$DIR/src
if [ "$CONFIG" = defconfig ]; then
  OUT=$DIR; B=$SRC; MO=()
else
  OUT=$DIR/$CONFIG; B=$OUT/build; MO=(O="$B"); mkdir -p "$B"
fi
mk() { nice -n "${NICE:-0}" make -C "$SRC" "${MO[@]}" "$@"; }
if [ ! -f "$B/.config" ]; then
  case "$CONFIG" in
    defconfig) mk -s x86_64_defconfig;;
    xen) mk -s x86_64_defconfig xen.config;;
    kvm) mk -s x86_64_defconfig kvm_guest.config;;
    sanitizers)
      mk -s x86_64_defconfig
      "$SRC/scripts/config" --file "$B/.config" -e KASAN -e KASAN_GENERIC -e KCOV -e KCOV_INSTRUMENT_ALL \
        -e UBSAN -e UBSAN_BOUNDS -e UBSAN_SHIFT
      mk -s olddefconfig;;
    debian)
      (cd "$DIR" && { ls linux-image-*-amd64-unsigned_*.deb >/dev/null 2>&1 ||
        apt-get download -q "$(apt-cache search --names-only '^linux-image-6\.12\..*\+deb12-amd64-unsigned$' |
          awk '{print $1}' | sort -V | tail -1)"; })
      rm -rf "$DIR/debian-img" && dpkg -x "$(ls "$DIR"/linux-image-*-amd64-unsigned_*.deb | sort -V | tail -1)" "$DIR/debian-img"
      sed 's/=m$/=n/' "$DIR"/debian-img/boot/config-* > "$B/.config"
      rm -rf "$DIR/debian-img"
      "$SRC/scripts/config" --file "$B/.config" --set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
        --set-str MODULE_SIG_KEY "certs/signing_key.pem" -d MODULE_SIG_ALL
      mk -s olddefconfig;;
    *) echo "build-vmlinux: unknown configuration $CONFIG (defconfig, xen, kvm, sanitizers, debian)" >&2; exit 1;;
  esac
fi
if [ ! -f "$B/vmlinux" ]; then
  echo "build-vmlinux: building $CONFIG vmlinux (log: $OUT/build.log)"
  mk -j"$(nproc)" vmlinux > "$OUT/build.log" 2>&1
fi
cp "$B/tools/objtool/objtool" "$OUT/objtool"
# Kbuild's own objtool flags for vmlinux.o, as it recorded them.
grep -h '^savedcmd_vmlinux.o\|^cmd_vmlinux.o' "$B/.vmlinux.o.cmd" | sed 's/.*tools\/objtool\/objtool //; s/ vmlinux\.o.*//' \
  > "$OUT/kbuild.args"
[ -f "$OUT/vmlinux-raw.o" ] || ld -m elf_x86_64 -z noexecstack --no-warn-rwx-segments -r \
   -o "$OUT/vmlinux-raw.o" --whole-archive "$B/vmlinux.a" --no-whole-archive
cd "$OUT"
OT=$OUT/objtool
if [ ! -f orcprefix.orc ]; then
  cp vmlinux-raw.o orcprefix.o
  /usr/bin/time -f "%e %M" -o objtool.time "$OT" --orc --prefix=16 --link orcprefix.o 2> orcprefix.warn || true
  "$OT" --dump=orc orcprefix.o > orcprefix.orc
fi
if [ ! -f full.orc ]; then
  cp vmlinux-raw.o full.o
  if [ "$CONFIG" = defconfig ]; then
    # (recorded before kbuild.args existed: Kbuild's set plus the DEBUG_ENTRY checks)
    "$OT" --hacks=jump_label --hacks=noinstr --hacks=skylake --ibt --orc --retpoline --rethunk \
       --static-call --uaccess --prefix=16 --noinstr --unret --link full.o 2> full.warn || true
  else
    # shellcheck disable=SC2046
    "$OT" $(cat kbuild.args) full.o 2> full.warn || true
  fi
  "$OT" --dump=orc full.o > full.orc
fi
echo "build-vmlinux: $CONFIG: objtool $(cat objtool.time) (s, KB); $(wc -l < orcprefix.orc) ORC entries; Kbuild's flags: $(cat kbuild.args); $OUT/vmlinux-raw.o"
