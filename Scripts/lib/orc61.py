"""orc61.py - comparing ORC of Debian's 6.1 modules, shared by roundtrip-orc-61.py and
roundtrip-kbuild-61.py.

Debian built 6.1 with objtool run per object file before `ld -r`, so a shipped module's
table is the per-object tables one after the other. Tables are compared after merging
them into one: entries sorted by place; where an object's end-of-section terminator and
the next object's first entry share a place, the entry wins; an entry equal to the one
before it in its section is dropped (it says nothing new)."""
import re
import subprocess

LINE = re.compile(r"^(\S+)\+([0-9a-f]+):(.*)$")


def merged(dump):
    entries = {}
    for line in dump.splitlines():
        m = LINE.match(line.strip())
        if not m:
            continue
        key = (m.group(1), int(m.group(2), 16))
        val = m.group(3).strip()
        if key in entries:
            if "sp:(und)" in entries[key] and "sp:(und)" not in val:
                entries[key] = val
            continue
        entries[key] = val
    out, prev = [], {}
    for sec, off in sorted(entries):
        v = entries[(sec, off)]
        if prev.get(sec) == v:
            continue
        prev[sec] = v
        out.append(f"{sec}+{off:x}: {v}")
    return out


def dump(objtool, path):
    """objtool 6.1's --dump=orc text of PATH."""
    return subprocess.run([objtool, "--dump=orc", path], capture_output=True, text=True).stdout
