#!/bin/bash
# kbuild-dkms.sh [--kernel 6.1|6.12] [PACKAGE...] - third-party modules as Debian users
# build them: each *-dkms package's source (apt-get download + dpkg -x into the corpus
# cache; nothing installed) built the way DKMS builds it (its dkms.conf: PRE_BUILD,
# MAKE[0] with kernelver, kernel_source_dir and the rest set as dkms sets them) against
# Debian's headers of that kernel, once with the kernel's real objtool and once with
# unwindcheck standing in (GNU make takes the `objtool=PATH` definition from
# MAKEFLAGS, as from its command line, in every make the package's own Makefile
# starts), every object compared by Scripts/kbuild-oot.sh.
# Default packages: DKMS_PACKAGES below. Prints kbuild-oot's line per package and
#   kbuild-dkms: K=6.1 P packages: B built, S the same in every object and message
#   (O objects, T touched by objtool, M modules, W objtool messages), D differ; F do not
#   build with the real objtool
# Exits 1 if any object of any package differs.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
KERNEL=6.12
if [ "${1:-}" = --kernel ]; then KERNEL=$2; shift 2; fi
# Debian 12's *-dkms packages whose modules build with Kbuild alone (not: west-chamber,
# which needs xtables-addons installed by dkms first; iptables-netflow, whose configure
# needs iptables; librem-ec-acpi, which does not compile against 6.1.0-57).
DKMS_PACKAGES=(acpi-call-dkms apfs-dkms bbswitch-dkms ddcci-dkms digimend-dkms dm-writeboost-dkms evdi-dkms
  gost-crypto-dkms jool-dkms lime-forensics-dkms nat-rtsp-dkms openrazer-driver-dkms openvpn-dco-dkms
  rapiddisk-dkms tp-smapi-dkms v4l2loopback-dkms vpoll-dkms xtables-addons-dkms xtrx-dkms lttng-modules-dkms)
[ $# -gt 0 ] && DKMS_PACKAGES=("$@")
DIR=${UNWINDCHECK_CORPUS:-$HOME/.cache/unwindcheck-corpus}
SRCROOT="$DIR/dkms"
mkdir -p "$SRCROOT/debs"
missing=()
for p in "${DKMS_PACKAGES[@]}"; do ls "$SRCROOT/debs/${p}_"*.deb >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  (cd "$SRCROOT/debs" && apt-get download -q "${missing[@]}" >&2)
fi
# The command kbuild-oot.sh runs in the copied source: dkms.conf read with dkms's
# variables, then PRE_BUILD and MAKE[0] (dkms's default when it has none).
read -r -d '' DKMS_BUILD <<'CMD' || true
set -e
kernelver=$KVER; kernel_source_dir=$HDR; arch=x86_64
module_version=$(basename "$(dirname "$PWD")"); module=$(basename "$(dirname "$(dirname "$PWD")")")
dkms_tree=$(dirname "$(dirname "$(dirname "$PWD")")"); source_tree=$dkms_tree/source
source ./dkms.conf
export MAKEFLAGS="${MAKEOBJTOOL}"
if [ -n "${PRE_BUILD:-}" ]; then eval "./$PRE_BUILD"; fi
make_cmd=${MAKE[0]:-"make -C $kernel_source_dir M=$PWD"}
eval "$make_cmd"
CMD
# Some packages' Makefiles look for the headers where the headers package installs
# them: /lib/modules/KVER/build. Made a link to the unpacked headers when nothing is there.
eval "$("$HERE/kbuild-headers.sh" "$KERNEL")"
if [ ! -e "/lib/modules/$KVER/build" ]; then mkdir -p "/lib/modules/$KVER"; ln -sfn "$HDR" "/lib/modules/$KVER/build"; fi
n=0; built=0; same=0; differ=0; nobuild=0; objects=0; touched=0; modules=0; messages=0
for p in "${DKMS_PACKAGES[@]}"; do
  n=$((n + 1))
  deb=$(ls "$SRCROOT/debs/${p}_"*.deb | sort -V | tail -1)
  x="$SRCROOT/x/$p"
  if [ ! -d "$x" ]; then mkdir -p "$x"; dpkg -x "$deb" "$x"; fi
  src=$(dirname "$(ls "$x"/usr/src/*/dkms.conf | head -1)")
  # BUILD_EXCLUSIVE_KERNEL: DKMS itself would not build it for this kernel.
  eval "$(grep -E '^BUILD_EXCLUSIVE_KERNEL=' "$src/dkms.conf" || true)"
  if [ -n "${BUILD_EXCLUSIVE_KERNEL:-}" ] && ! [[ $KVER =~ $BUILD_EXCLUSIVE_KERNEL ]]; then
    echo "kbuild-dkms: $p: not for $KVER (BUILD_EXCLUSIVE_KERNEL)"; nobuild=$((nobuild + 1)); unset BUILD_EXCLUSIVE_KERNEL; continue
  fi
  unset BUILD_EXCLUSIVE_KERNEL
  set +e
  # dkms builds in DKMS_TREE/NAME/VERSION/build (some MAKE lines name that path).
  name=$(set +u; kernelver=$KVER; source "$src/dkms.conf" >/dev/null 2>&1; echo "$PACKAGE_NAME")
  version=$(set +u; kernelver=$KVER; source "$src/dkms.conf" >/dev/null 2>&1; echo "$PACKAGE_VERSION")
  mkdir -p "$SRCROOT/tree-$KERNEL/$name/$version"
  line=$(KBUILD_DIR="$SRCROOT/tree-$KERNEL/$name/$version/build" KBUILD_CMD="$DKMS_BUILD" \
         "$HERE/kbuild-oot.sh" --kernel "$KERNEL" "$src" 2>&1)
  rc=$?
  set -e
  echo "$line" | grep -v -e '^\[' -e '^Build' -e '^Building' -e ': identical$' -e 'only the file layout differs$' | sed "s|^|$p: |"
  case $rc in
    0) built=$((built + 1)); same=$((same + 1));;
    2) nobuild=$((nobuild + 1)); continue;;
    *) built=$((built + 1)); differ=$((differ + 1));;
  esac
  summary=$(echo "$line" | grep '^kbuild-oot: ' | tail -1)
  if [[ $summary =~ ([0-9]+)\ objects:\ [0-9]+\ the\ same\ \(([0-9]+)\ touched.*\;\ ([0-9]+)\ modules\;\ objtool\'s\ messages:\ ([0-9]+) ]]; then
    objects=$((objects + BASH_REMATCH[1])); touched=$((touched + BASH_REMATCH[2])); modules=$((modules + BASH_REMATCH[3]))
    messages=$((messages + BASH_REMATCH[4]))
  fi
done
echo "kbuild-dkms: K=$KERNEL $n packages: $built built, $same the same in every object ($objects objects, $touched touched by objtool, $modules modules, $messages objtool messages), $differ differ; $nobuild do not build with the real objtool"
[ "$differ" = 0 ]
