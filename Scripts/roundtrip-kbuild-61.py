#!/usr/bin/env python3
"""roundtrip-kbuild-61.py UNWINDCHECK OBJTOOL61 INPUTS_LIST INPUTS_DIR CORPUS_DIR [JOBS] -
Debian's 6.1 module corpus through the objtool front end as Kbuild 6.1 runs it: every
prepared input processed in place with 6.1's Kbuild module flags (Debian 6.1 amd64:
`--hacks=jump_label --hacks=noinstr --orc --retpoline --rethunk --sls --static-call
--uaccess --module`), once by `unwindcheck objtool --kernel=6.1` and once by the real
objtool 6.1, each result against the shipped module:
  - ORC: the merged tables (Scripts/lib/orc61.py; Debian ran objtool per object, so
    the shipped table is the objects' tables one after the other);
  - every site section objtool 6.1 writes for modules (.return_sites, .retpoline_sites,
    .static_call_sites): present in both or neither, the same relocations as a sorted
    list (type, target): `ld -r` concatenated the per-object lists;
and the two tools' warnings against each other (the file name taken out).
Prints the modules that differ and
  kbuild-61 TOOL: N modules with shipped ORC, orc A, sites B, all C
  kbuild-61 warnings: objtool 6.1 N, unwindcheck M, common C"""
import os
import shutil
import subprocess
import sys
import tempfile
from multiprocessing import Pool

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from orc61 import merged, dump  # noqa: E402
from readelfrel import relocations as file_relocations  # noqa: E402

FLAGS = ["--hacks=jump_label", "--hacks=noinstr", "--orc", "--retpoline", "--rethunk", "--sls", "--static-call",
         "--uaccess", "--module"]
SITES = [".return_sites", ".retpoline_sites", ".static_call_sites"]


def relocations(path):
    """relocation section -> sorted [(type, symbol + addend)]: `ld -r` concatenated the
    per-object lists of the shipped module."""
    return {k: sorted(v) for k, v in file_relocations(path).items()}


def one(args):
    ours, objtool, inp, inputs_dir, corpus_dir = args
    rel = os.path.relpath(inp, inputs_dir)
    shipped = os.path.join(corpus_dir, rel)
    expected = merged(dump(objtool, shipped))
    if not expected:
        return rel, None
    theirs = relocations(shipped)
    res = {}
    with tempfile.TemporaryDirectory() as d:
        for name in ["unwindcheck", "objtool"]:
            out = os.path.join(d, name + ".ko")
            shutil.copyfile(inp, out)
            cmd = ([ours, "objtool", "--kernel=6.1"] if name == "unwindcheck" else [objtool]) + FLAGS + [out]
            r = subprocess.run(cmd, capture_output=True, text=True)
            warnings = sorted(set(l.replace(out, rel) for l in r.stderr.splitlines() if ": warning: objtool: " in l))
            relocs = relocations(out)
            bad = [s for s in SITES if relocs.get(".rela" + s) != theirs.get(".rela" + s)]
            res[name] = {"orc": merged(dump(objtool, out)) == expected, "bad": bad, "warnings": warnings,
                         "rc": r.returncode}
    return rel, res


def main():
    ours, objtool, lst, inputs_dir, corpus_dir = sys.argv[1:6]
    jobs = int(sys.argv[6]) if len(sys.argv) > 6 else os.cpu_count() or 2
    files = [l.strip() for l in open(lst) if l.strip()]
    counts = {n: {"orc": 0, "sites": 0, "all": 0} for n in ["unwindcheck", "objtool"]}
    total = 0
    warn = {"objtool": set(), "unwindcheck": set()}
    with Pool(jobs) as pool:
        for rel, res in pool.imap(one, [(ours, objtool, f, inputs_dir, corpus_dir) for f in files], chunksize=4):
            if res is None:
                continue
            total += 1
            for name, r in res.items():
                counts[name]["orc"] += r["orc"]
                counts[name]["sites"] += not r["bad"]
                counts[name]["all"] += r["orc"] and not r["bad"]
                warn[name].update(r["warnings"])
            a, b = res["unwindcheck"], res["objtool"]
            if (a["orc"], a["bad"]) != (b["orc"], b["bad"]):
                print(f"DIFF {rel}: unwindcheck orc {a['orc']} sites-differing {a['bad']}; "
                      f"objtool 6.1 orc {b['orc']} sites-differing {b['bad']}", flush=True)
    for line in sorted(warn["objtool"] - warn["unwindcheck"]):
        print("only-objtool:", line)
    for line in sorted(warn["unwindcheck"] - warn["objtool"]):
        print("only-ours:", line)
    for name in ["unwindcheck", "objtool"]:
        c = counts[name]
        print(f"kbuild-61 {name}: {total} modules with shipped ORC, orc {c['orc']}, sites {c['sites']}, all {c['all']}")
    print(f"kbuild-61 warnings: objtool 6.1 {len(warn['objtool'])}, unwindcheck {len(warn['unwindcheck'])}, "
          f"common {len(warn['objtool'] & warn['unwindcheck'])}")


main()
