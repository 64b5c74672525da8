"""readelfrel.py - the relocations of an object as readelf -rW prints them, shared by the
Kbuild round trips (roundtrip-kbuild.py, roundtrip-kbuild-61.py)."""
import subprocess


def relocations(path):
    """relocation section -> [(type, symbol + addend)] in the file's order."""
    out, current = {}, None
    text = subprocess.run(["readelf", "-rW", path], capture_output=True, text=True).stdout
    for line in text.splitlines():
        if line.startswith("Relocation section '"):
            current = line.split("'")[1]
            out[current] = []
            continue
        t = line.split()
        if current and len(t) >= 4 and len(t[0]) == 16:
            out[current].append((t[2], " ".join(t[4:])))
    return out
