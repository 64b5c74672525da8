#!/usr/bin/env python3
"""code-metrics.py [--top N] - the design figures issue #27 asks for, from Sources/:

  longest functions (lines from the declaration to its closing brace), overall and in
  the walk (Sources/Analysis/Walker*.swift; Validator* before it); the largest files (generated tables apart);
  string-keyed option reads (a flag or option looked up by a quoted name outside the
  one place that declares it); parse-backs of rendered messages (code that reads
  Finding.message/.scope back); architecture names in the neutral layers.

A function is found by a line with `func NAME` (or `init(`), and ends at the brace that
closes the one its declaration opens; nested functions count within their parent.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources")
# The layers that know no architecture: the analysis, its model and the driver, but for
# the one place the architectures are plugged in (UnwindDriver/Architectures.swift).
# (ELFObject names machines and their relocation types, as ELF does; ORC holds each
# format, x86's and arm64's.)
NEUTRAL = ["Analysis", "UnwindModel", "UnwindDriver"]
REGISTRY = "UnwindDriver/Architectures.swift"
ARCH_NAME = re.compile(r"\.x86_64\b|\.aarch64\b|\.arm64\b|\bX86[A-Z]\w*|\bARM64[A-Z]\w*")
DECL = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|static|mutating|override|final|nonisolated|consuming|borrowing)\s+)*(func\s+[^\s(<]+|init[?!]?\s*[(<])")


def code_of(line):
    """The line without its // comment and string contents (braces in them do not count)."""
    out, i, in_str = [], 0, False
    while i < len(line):
        c = line[i]
        if in_str:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_str = False
            i += 1
            continue
        if c == '"':
            in_str = True
        elif line.startswith("//", i):
            break
        else:
            out.append(c)
        i += 1
    return "".join(out)


def functions(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    found = []
    for k, line in enumerate(lines):
        m = DECL.match(line)
        if not m:
            continue
        depth, opened = 0, False
        for j in range(k, len(lines)):
            c = code_of(lines[j])
            if not opened and "{" not in c and j > k and c.strip() == "":
                continue
            for ch in c:
                if ch == "{":
                    depth += 1
                    opened = True
                elif ch == "}":
                    depth -= 1
            if opened and depth <= 0:
                found.append((j - k + 1, m.group(1).replace("func ", "").rstrip("(<"), k + 1))
                break
            if not opened and j > k + 8:
                break  # a protocol requirement: no body
    return found


def swift_files():
    for d, _, files in os.walk(ROOT):
        for f in sorted(files):
            if f.endswith(".swift"):
                yield os.path.join(d, f)


def main():
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 5
    funcs, walk, sizes = [], [], []
    string_reads, parse_backs, arch_names = [], [], []
    for path in swift_files():
        rel = os.path.relpath(path, ROOT)
        text = open(path, encoding="utf-8").read()
        if "+Generated" not in rel:
            sizes.append((text.count("\n"), rel))
        for n, name, line in functions(path):
            funcs.append((n, f"{rel}:{line} {name}"))
            if os.path.basename(rel).startswith(("Walker", "Validator")):
                walk.append((n, f"{rel}:{line} {name}"))
        module = rel.split(os.sep)[0]
        for k, line in enumerate(text.split("\n"), 1):
            c = code_of(line)
            if re.search(r'\b(?:flag|value|values|int)\("[a-z-]+"\)', line) and "Parser" not in rel:
                string_reads.append(f"{rel}:{k}")
            # (A rendered message read back: searched, compared, or handed to a function
            # that takes it apart, as the fingerprint and the suppression matcher do.)
            code = line.split("//")[0]  # (interpolations count: strings are not stripped here)
            if re.search(r"\.(message|scope)\s*\.(hasPrefix|hasSuffix|contains|range|split|firstRange|components)\b|\.(message|scope)\s*=="
                         r"|\b(calledNames|normalised|normalized|hasPrefix|hasSuffix|contains)\([^)]*\.message\b", code):
                parse_backs.append(f"{rel}:{k}")
            if module in NEUTRAL and rel != REGISTRY and ARCH_NAME.search(c):
                arch_names.append(f"{rel}:{k}: {line.strip()[:90]}")
    funcs.sort(reverse=True)
    walk.sort(reverse=True)
    sizes.sort(reverse=True)
    print(f"longest functions ({len(funcs)} in all):")
    for n, what in funcs[:top]:
        print(f"  {n:4d}  {what}")
    print("longest in the walk (Analysis/Walker*):")
    for n, what in walk[:top]:
        print(f"  {n:4d}  {what}")
    print("largest files (generated tables apart):")
    for n, what in sizes[:top]:
        print(f"  {n:4d}  {what}")
    print(f"string-keyed option reads: {len(string_reads)}")
    for s in string_reads[:top]:
        print(f"  {s}")
    print(f"message parse-backs: {len(parse_backs)}")
    for s in parse_backs[:top]:
        print(f"  {s}")
    print(f"architecture names in the neutral layers: {len(arch_names)}")
    for s in arch_names[:top * 4]:
        print(f"  {s}")


if __name__ == "__main__":
    main()
