#!/usr/bin/env python3
"""difftest-dwarf-rows.py UNWINDCHECK OBJ... - checks how unwindcheck READS the DWARF CFI.

For every instruction boundary that `unwindcheck check --against-dwarf --table` lists,
the DWARF side it printed (CFA, return-address rule, frame-pointer rule) is compared
with the row GNU readelf computes (`readelf --debug-dump=frames-interp`, an independent
DWARF CFI interpreter that also applies the object's relocations). Each FDE is tied to
its section through the relocation of its initial-location field, so objects with many
text sections are handled.

readelf prints 'u' both for DW_CFA_undefined and for registers the CFI never mentions;
libdw reports the psABI default (same value) for the latter. Both mean "the frame
pointer is not saved in this frame", so 'u', 's', "undefined" and "not saved" compare
equal.

Prints one line per object with differences (first three shown) and a total:
  dwarf rows: N boundaries, M with a row, S same as readelf, D differ
Exit status 1 when anything differs.
"""
import bisect
import re
import subprocess
import sys


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace").stdout


def sections(obj):
    names = {}
    for m in re.finditer(r"^\s*\[\s*(\d+)\]\s+(\S+)", run("readelf", "-SW", obj), re.M):
        names[int(m.group(1))] = m.group(2)
    return names


def symbol_sections(obj, secnames):
    out = {}
    for line in run("readelf", "-sW", obj).splitlines():
        f = line.split()
        if len(f) >= 8 and f[0].endswith(":") and f[6].isdigit():
            out.setdefault(f[7], secnames.get(int(f[6])))
    return out


def relocations(obj, secnames):
    """{frame section name: {offset: (target section, addend-free)}}"""
    syms = symbol_sections(obj, secnames)
    out, cur = {}, None
    for line in run("readelf", "-rW", obj).splitlines():
        m = re.match(r"Relocation section '\.rela(\.eh_frame|\.debug_frame)'", line)
        if m:
            cur = out.setdefault(m.group(1), {})
            continue
        if line.startswith("Relocation section"):
            cur = None
            continue
        f = line.split()
        if cur is None or len(f) < 5 or not re.fullmatch(r"[0-9a-f]+", f[0]):
            continue
        name = f[4]
        target = name if name in secnames.values() and name not in syms else syms.get(name, name)
        cur[int(f[0], 16)] = target
    return out


def norm_reg(v):
    if v in ("u", "s", "", None):
        return "not saved"
    m = re.fullmatch(r"c([+-]\d+)", v)
    if m:
        return "cfa" + m.group(1)
    if v in ("exp", "vexp") or v.startswith("v"):
        return "expression"
    return "in " + v


def readelf_rows(obj):
    """{section: sorted [(start, end, [(loc, text)])]}"""
    secnames = sections(obj)
    fpname = "x29" if "AArch64" in run("readelf", "-h", obj) else "rbp"
    relocs = relocations(obj, secnames)
    out = {}
    cur_section = None
    text = run("readelf", "--debug-dump=frames-interp", obj)
    fde = None
    cols = []
    cie_rows = {}  # (section, CIE offset) -> the CIE's initial row (used by FDEs without rows)
    for line in text.splitlines():
        m = re.match(r"Contents of the (\S+) section", line)
        if m:
            cur_section = m.group(1)
            continue
        m = re.match(r"([0-9a-f]+) [0-9a-f]+ [0-9a-f]+ FDE cie=([0-9a-f]+) pc=([0-9a-f]+)\.\.([0-9a-f]+)", line)
        if m:
            off = int(m.group(1), 16)
            target = relocs.get(cur_section, {}).get(off + 8)
            start = int(m.group(3), 16)
            initial = cie_rows.get((cur_section, int(m.group(2), 16)))
            fde = (target, start, int(m.group(4), 16), [(start, initial)] if initial else [])
            out.setdefault(target, []).append(fde)
            cols = []
            continue
        m = re.match(r"([0-9a-f]+) [0-9a-f]+ [0-9a-f]+ CIE", line)
        if m:
            fde = ("CIE", (cur_section, int(m.group(1), 16)))
            cols = []
            continue
        if fde is None:
            continue
        if line.strip().startswith("LOC"):
            cols = line.split()
            continue
        f = line.split()
        if len(f) >= 2 and re.fullmatch(r"[0-9a-f]{8,16}", f[0]) and cols:
            row = dict(zip(cols[1:], f[1:]))
            cfa = row.get("CFA", "")
            cfa = "expression" if cfa == "exp" else cfa
            desc = f"cfa {cfa} ra {norm_reg(row.get('ra'))} fp {norm_reg(row.get(fpname))}"
            if fde[0] == "CIE":
                cie_rows[fde[1]] = desc
                continue
            if fde[3] and fde[3][0][0] == fde[1] and len(fde[3]) == 1 and int(f[0], 16) == fde[1]:
                fde[3].clear()  # the FDE's own first row replaces the CIE's
            fde[3].append((int(f[0], 16), desc))
    for k in out:
        out[k].sort(key=lambda x: x[1])
    return out


def ours_norm(d):
    return d.replace("fp undefined", "fp not saved").replace("ra undefined", "ra not saved")


def main():
    tool, objs = sys.argv[1], sys.argv[2:]
    total = withrow = same = differ = 0
    for obj in objs:
        rows = readelf_rows(obj)
        starts = {k: [f[1] for f in v] for k, v in rows.items()}
        table = run(tool, "check", "--against-dwarf", "--table", obj)
        diffs = []
        for line in table.splitlines():
            f = line.split("\t")
            if len(f) != 7:
                continue
            _, sec, off, loc, _ours, dwarf, _verdict = f
            off = int(off, 16)
            total += 1
            expect = "-"
            fdes = rows.get(sec, [])
            i = bisect.bisect_right(starts.get(sec, []), off) - 1
            if i >= 0 and fdes[i][1] <= off < fdes[i][2]:
                locs = fdes[i][3]
                j = bisect.bisect_right([r[0] for r in locs], off) - 1
                expect = locs[j][1] if j >= 0 else "-"
            if dwarf != "-":
                withrow += 1
            if ours_norm(dwarf) == expect:
                same += 1
            else:
                differ += 1
                diffs.append(f"{sec}+{off:#x} ({loc}): unwindcheck '{dwarf}', readelf '{expect}'")
        if diffs:
            print(f"{obj}: {len(diffs)} differ; " + "; ".join(diffs[:3]))
    print(f"dwarf rows: {total} boundaries, {withrow} with a row, {same} same as readelf, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
