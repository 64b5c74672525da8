#!/usr/bin/env python3
"""difftest-elf.py UNWINDCHECK LIST... - the ELF reader against GNU readelf on a corpus.

For every object in the lists: section, symbol and relocation counts (and machine,
byte order) from `unwindcheck check --stats` (one process for all files) against
`readelf -hSsrW` (batches of files). Prints mismatches and one summary line:
  elf-difftest: N objects, M match readelf, K differ, E unreadable
Exit status 1 if anything differs or is unreadable."""
import re, subprocess, sys

def ours(tool, files):
    out = subprocess.run([tool, "check", "--stats"] + files, capture_output=True, text=True)
    stats, errors = {}, {}
    for line in out.stdout.splitlines():
        path, _, rest = line.rpartition(": ")
        # lines are "PATH: key: value"
        m = re.match(r"^(.*): (machine|sections|symbols|relocations): (.*)$", line)
        if not m: continue
        p, key, val = m.groups()
        d = stats.setdefault(p, {})
        if key == "machine":
            d["machine"] = val
        elif key == "sections":
            d["sections"] = int(val.split()[0])
        elif key == "symbols":
            d["symbols"] = int(val)
        elif key == "relocations":
            d["relocations"] = int(val.split()[0])
    for line in out.stderr.splitlines():
        m = re.match(r"^(.*?): error: unwindcheck: (.*)$", line)
        if m: errors[m.group(1)] = m.group(2)
    return stats, errors

def readelf(files):
    out = subprocess.run(["readelf", "-hSsrW"] + files, capture_output=True, text=True).stdout
    result, cur = {}, None
    single = len(files) == 1
    if single:
        cur = result.setdefault(files[0], {"relocations": 0, "symbols": 0})
    for line in out.splitlines():
        if line.startswith("File: "):
            cur = result.setdefault(line[6:], {"relocations": 0, "symbols": 0})
            continue
        if cur is None: continue
        m = re.match(r"\s*Number of section headers:\s+(\d+)", line)
        if m: cur["sections"] = int(m.group(1)); continue
        m = re.match(r"\s*Machine:\s+(.*)$", line)
        if m: cur["machine_raw"] = m.group(1).strip(); continue
        m = re.match(r"\s*Data:\s+.*(little|big) endian", line)
        if m: cur["endian"] = m.group(1); continue
        m = re.match(r"Symbol table '\.symtab' contains (\d+) entr", line)
        if m: cur["symbols"] = int(m.group(1)); continue
        m = re.match(r"Relocation section '.*' at offset 0x[0-9a-f]+ contains (\d+) entr", line)
        if m: cur["relocations"] += int(m.group(1))
    for d in result.values():
        mach = {"Advanced Micro Devices X86-64": "x86-64", "AArch64": "AArch64"}.get(d.get("machine_raw"), d.get("machine_raw"))
        d["machine"] = f"{mach}, {d.get('endian')}-endian"
    return result

def main():
    tool, lists = sys.argv[1], sys.argv[2:]
    files = [l.strip() for lst in lists for l in open(lst) if l.strip()]
    stats, errors = ours(tool, files)
    ref = {}
    for i in range(0, len(files), 200):
        ref.update(readelf(files[i:i + 200]))
    same = differ = 0
    for f in files:
        if f in errors:
            print(f"UNREADABLE {f}: {errors[f]}"); continue
        a, b = stats.get(f), ref.get(f)
        keys = ("machine", "sections", "symbols", "relocations")
        if a and b and all(a.get(k) == b.get(k) for k in keys):
            same += 1
        else:
            differ += 1
            print(f"DIFF {f}: ours={a} readelf={ {k: (b or {}).get(k) for k in keys} }")
    print(f"elf-difftest: {len(files)} objects, {same} match readelf, {differ} differ, {len(errors)} unreadable")
    sys.exit(0 if differ == 0 and not errors else 1)

main()
