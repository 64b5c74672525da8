#!/usr/bin/env python3
"""roundtrip-kbuild.py UNWINDCHECK OBJTOOL INPUT_LIST WORKDIR [JOBS] - the Kbuild round
trip: every prepared input (a shipped module with everything objtool wrote stripped and
its annotations restored) is processed in place, as Kbuild does, with Kbuild's full
module flag set (Debian 6.12 amd64), once by `unwindcheck objtool` and once by the real
objtool, and each result is compared with the shipped module:
  - ORC: `objtool --dump=orc` text and the .orc_unwind bytes;
  - every site section objtool writes for modules (.return_sites, .call_sites,
    .retpoline_sites, .static_call_sites, .ibt_endbr_seal): present in both or neither,
    and the same relocation list (type, symbol, addend, in order);
  - the __pfx_ symbols, as a set (name, value, size, binding, section).
Prints the modules that differ and one summary line per tool:
  kbuild-roundtrip TOOL: N modules, orc A, sites B, prefix C, all D"""
import os, shutil, struct, subprocess, sys

# `unwindcheck objtool` is objtool 6.12 here (outside Kbuild it is told which kernel).
os.environ.setdefault("UNWINDCHECK_KERNEL", "6.12")
from multiprocessing import Pool

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from readelfrel import relocations  # noqa: E402

FLAGS = ["--hacks=jump_label", "--hacks=noinstr", "--hacks=skylake", "--ibt", "--orc", "--retpoline",
         "--rethunk", "--sls", "--static-call", "--uaccess", "--prefix=16", "--link", "--module"]
SITES = [".return_sites", ".call_sites", ".retpoline_sites", ".static_call_sites", ".ibt_endbr_seal"]


def sections(path):
    """name -> (offset, size) of an ELF64 little-endian file (our own reader)."""
    data = open(path, "rb").read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    if shnum == 0:
        shnum, = struct.unpack_from("<Q", data, shoff + 0x20)
    heads = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names = heads[shstrndx]
    out = {}
    for h in heads:
        start = names[4] + h[0]
        name = data[start:data.index(b"\0", start)].decode()
        out[name] = (h[4], h[5])
    return data, out


def orc_bytes(path):
    data, secs = sections(path)
    if ".orc_unwind" not in secs:
        return None
    off, size = secs[".orc_unwind"]
    return data[off:off + size]


def prefixes(path):
    text = subprocess.run(["readelf", "-sW", path], capture_output=True, text=True).stdout
    ndx_name = {}
    for line in subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout.splitlines():
        if "]" in line and line.strip().startswith("["):
            head, rest = line.split("]", 1)
            idx = head.strip("[ ")
            if idx.isdigit() and rest.split():
                ndx_name[idx] = rest.split()[0]
    out = set()
    for line in text.splitlines():
        t = line.split()
        if len(t) >= 8 and t[7].startswith("__pfx_"):
            out.add((t[7], t[1], t[2], t[4], ndx_name.get(t[6], t[6])))
    return out


def dump_orc(objtool, path):
    return subprocess.run([objtool, "--dump=orc", path], capture_output=True, text=True).stdout


def compare(args):
    tool, objtool, f, work, name = args
    shipped = f.replace("/inputs-amd64/", "/corpus-amd64/")
    out = os.path.join(work, f"{name}-{os.getpid()}.ko")
    shutil.copyfile(f, out)
    cmd = ([tool, "objtool"] if name == "unwindcheck" else [objtool]) + FLAGS + [out]
    r = subprocess.run(cmd, capture_output=True, text=True)
    res = {"rc": r.returncode}
    ref_orc = dump_orc(objtool, shipped)
    res["orc"] = dump_orc(objtool, out) == ref_orc and orc_bytes(out) == orc_bytes(shipped)
    ours, theirs = relocations(out), relocations(shipped)
    bad = [s for s in SITES if ours.get(".rela" + s) != theirs.get(".rela" + s)]
    res["sites"] = not bad
    res["bad"] = bad
    res["prefix"] = prefixes(out) == prefixes(shipped)
    os.unlink(out)
    return f, res


def main():
    tool, objtool, lst, work = sys.argv[1:5]
    jobs = int(sys.argv[5]) if len(sys.argv) > 5 else 2
    os.makedirs(work, exist_ok=True)
    files = [l.strip() for l in open(lst) if l.strip()]
    for name in ["unwindcheck", "objtool"]:
        counts = {"orc": 0, "sites": 0, "prefix": 0, "all": 0}
        with Pool(jobs) as pool:
            for f, res in pool.imap(compare, [(tool, objtool, f, work, name) for f in files], chunksize=8):
                for k in ["orc", "sites", "prefix"]:
                    counts[k] += res[k]
                ok = res["orc"] and res["sites"] and res["prefix"]
                counts["all"] += ok
                if not ok:
                    what = [k for k in ["orc", "prefix"] if not res[k]] + res["bad"]
                    print(f"{name} DIFF {f}: {' '.join(what)} (exit {res['rc']})")
        print(f"kbuild-roundtrip {name}: {len(files)} modules, orc {counts['orc']}, sites {counts['sites']}, "
              f"prefix {counts['prefix']}, all {counts['all']}", flush=True)


main()
