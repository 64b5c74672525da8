#!/bin/bash
# regen-tables.sh - regenerate the checked-in generated tables:
#   Sources/DecodeX86/OpcodeValidity+Generated.swift  (from GNU objdump, ~1 min)
set -eu
cd "$(dirname "$0")/.."
python3 Scripts/gen-x86-validity.py
