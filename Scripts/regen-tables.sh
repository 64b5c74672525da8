#!/bin/bash
# regen-tables.sh - regenerate the checked-in generated tables:
#   Sources/DecodeX86/OpcodeValidity+Generated.swift  (from GNU objdump, ~1 min)
#   Sources/ArchX86/X86FeatureNames+Generated.swift, Sources/ArchARM64/ARM64Cpucaps+Generated.swift
#     (with KERNEL_SOURCE=a 6.12 tree)
set -eu
cd "$(dirname "$0")/.."
python3 Scripts/gen-x86-validity.py
# The CPU feature names of alternatives (needs a 6.12 kernel tree, e.g. the one
# Scripts/build-vmlinux.sh unpacks): KERNEL_SOURCE=... Scripts/regen-tables.sh
if [ -n "${KERNEL_SOURCE:-}" ]; then python3 Scripts/gen-feature-names.py "$KERNEL_SOURCE"; fi
