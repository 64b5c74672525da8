#!/bin/bash
# check-deps.sh - the module graph points one way only: each target may import only the
# modules on its allow-list (plus the standard library and libc). SwiftPM already
# rejects cycles; this keeps layers from reaching around each other (e.g. only
# DwarfCFI/LibDW.swift may import CLibDW, and no core module imports Foundation).
set -eu
cd "$(dirname "$0")/../Sources"
declare -A allow=(
  [ELFObject]="Glibc"
  [UnwindModel]=""
  [WorkPool]="Glibc Synchronization"
  [DecodeX86]=""
  [ArchX86]="DecodeX86 UnwindModel"
  [Analysis]="ELFObject UnwindModel WorkPool"
  [ArchARM64]="UnwindModel"
  [ORC]="ELFObject UnwindModel WorkPool"
  [SFrame]="ELFObject"
  [DwarfCFI]="CLibDW ELFObject UnwindModel Glibc"
  [UnwindDriver]="ELFObject UnwindModel WorkPool DecodeX86 ArchX86 ArchARM64 Analysis ORC SFrame DwarfCFI Glibc"
  [unwindcheck]="UnwindDriver UnwindModel ORC Glibc"
  [unwindcheck-bench]="ELFObject DecodeX86 ArchX86 UnwindModel Glibc"
  [UnwindTestSupport]="ELFObject Foundation"
  [Fuzz]="ELFObject DecodeX86 ArchX86 ArchARM64 UnwindModel UnwindDriver SFrame Foundation"
)
bad=0
for target in "${!allow[@]}"; do
  [ -d "$target" ] || continue
  while IFS=: read -r file mod; do
    mod=${mod#import }; mod=${mod%% *}
    case " ${allow[$target]} " in *" $mod "*) ;; *)
      echo "check-deps: $file imports $mod (allowed for $target: ${allow[$target]})"; bad=1;;
    esac
  done < <(grep -rHoE '^import [A-Za-z_][A-Za-z0-9_]*' "$target" --include='*.swift' || true)
done
# Only MappedFile.swift talks to libc in ELFObject.
others=$(grep -rlE '^import Glibc' ELFObject | grep -v -e '^ELFObject/MappedFile.swift$' -e '^ELFObject/ELFWriter.swift$' || true)
[ -z "$others" ] || { echo "check-deps: only ELFObject/MappedFile.swift and ELFWriter.swift may import Glibc: $others"; bad=1; }
# The driver picks the architecture in one place: only UnwindDriver/Architectures.swift
# imports the arch modules.
others=$(grep -rlE '^import (ArchX86|ArchARM64|DecodeX86)' UnwindDriver | grep -v '^UnwindDriver/Architectures.swift$' || true)
[ -z "$others" ] || { echo "check-deps: only UnwindDriver/Architectures.swift may import the arch modules: $others"; bad=1; }
# Only DwarfCFI/LibDW.swift talks to libdw (tests may, to check the library itself).
others=$(grep -rlE '^import CLibDW' . | grep -v '^./DwarfCFI/LibDW.swift$' || true)
[ -z "$others" ] || { echo "check-deps: only DwarfCFI/LibDW.swift may import CLibDW: $others"; bad=1; }
# Test targets import only what Package.swift declares for them (an undeclared import
# can build locally by luck of build order and fail on a clean checkout).
cd ..
while read -r target deps; do
  for mod in $(grep -hoE '^import [A-Za-z_][A-Za-z0-9_]*' "Tests/$target"/*.swift | awk '{print $2}' | sort -u); do
    case " $deps Foundation Testing XCTest Glibc " in *" $mod "*) ;; *)
      echo "check-deps: Tests/$target imports $mod, not among its dependencies in Package.swift"; bad=1;;
    esac
  done
done < <(python3 - <<'PY'
import re
s = open("Package.swift").read()
for m in re.finditer(r'\.testTarget\(name: "([^"]+)", dependencies: \[([^\]]*)\]', s):
    print(m.group(1), " ".join(re.findall(r'"([^"]+)"', m.group(2))))
PY
)
[ $bad = 0 ] && echo "check-deps: module imports OK"
exit $bad
