#!/usr/bin/env python3
"""mutation-walk.py [--count N] [--seed S] [--files F...] [--tests FILTER] - mutation
testing of the walk's rules: small source mutants of the CFI interpreter and the walker
(a comparison negated, `==` and `!=` swapped, `<` and `<=` swapped, `&&` and `||`
swapped, a `return false` made `return true`, a rule's violation ignored, a path's step
turned from "go on" to "end here" or back), each built (debug) and run against the test
suite's analysis tests (default filter: the objtool goldens of 6.12 and 6.1, the arm64
cases, ORC writing, the objtool front end, the DWARF cross-check, the explanations, IBT,
annotations and trace). A mutant is killed when the
build fails or a test fails; a survivor is printed with its place and line, to be
killed by a new test or explained. The source is restored after every mutant (also on
Ctrl-C).

Prints one line per mutant and then
  mutation-walk: N mutants, K killed (B by the build), S survived
Works on the repository it lives in: run it in a clone of its own (it edits sources).
~1-2 min per mutant on 2 cores."""
import argparse
import os
import random
import re
import signal
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_FILES = ["Sources/Analysis/CFIInterpreter.swift", "Sources/Analysis/Walker+Walk.swift",
                 "Sources/Analysis/Walker.swift", "Sources/Analysis/Walker+Calls.swift"]
DEFAULT_TESTS = ("ObjtoolGoldenTests|ARM64Tests|ORCWriteTests|ORC61WriteTests|ObjtoolFrontEndTests|DwarfCrossCheckTests"
                 "|Kernel61Tests|ExplanationTests|ConflictNotesTests|ConflictDepthTests|IBTTests|AnnotateInsnTests|TraceTests")
# The comparison and logic operators, and the walk's own: a rule's verdict dropped (its
# violation ignored), a path ended early or carried on past its end.
OPS = [(" == ", " != "), (" != ", " == "), (" < ", " <= "), (" <= ", " < "), (" && ", " || "), (" || ", " && "),
       ("return false", "return true"), ("{ return .fail(v) }", "{ _ = v }"), ("return .endPath", "return .proceed"),
       ("return .proceed", "return .endPath")]


def candidates(path):
    """Every (line number, column, original, replacement) a mutation operator applies to,
    outside comments and string literals."""
    out = []
    for n, line in enumerate(open(os.path.join(ROOT, path)).read().split("\n")):
        code = line.split("//")[0]
        if '"' in code or code.strip().startswith("///") or "precondition" in code or "assert" in code:
            continue
        for a, b in OPS:
            for m in re.finditer(re.escape(a), code):
                out.append((path, n, m.start(), a, b))
    return out


def run(cmd, timeout):
    """The command's result; a timeout (a mutant that walks for ever) counts as a failure,
    and everything the command started is killed (the test runner's children would go
    on walking for ever)."""
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        return subprocess.CompletedProcess(cmd, p.returncode, out, err)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return subprocess.CompletedProcess(cmd, 124, "", "timed out")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files", nargs="*", default=DEFAULT_FILES)
    ap.add_argument("--tests", default=DEFAULT_TESTS)
    ap.add_argument("--skip", type=int, default=0, help="resume: leave out the first N mutants of this seed's order")
    args = ap.parse_args()
    pool = [c for f in args.files for c in candidates(f)]
    random.Random(args.seed).shuffle(pool)
    mutants = pool[:args.count]
    originals = {f: open(os.path.join(ROOT, f)).read() for f in args.files}
    # A kill restores the source too (SystemExit runs the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    killed = by_build = 0
    survivors = []
    try:
        for k, (path, n, col, a, b) in enumerate(mutants, 1):
            if k <= args.skip:
                continue
            lines = originals[path].split("\n")
            lines[n] = lines[n][:col] + b + lines[n][col + len(a):]
            open(os.path.join(ROOT, path), "w").write("\n".join(lines))
            place = f"{path}:{n + 1}: '{a.strip()}' -> '{b.strip()}'"
            build = run(["swift", "build", "--build-tests"], 1800)
            if build.returncode != 0:
                killed += 1; by_build += 1
                print(f"[{k}/{len(mutants)}] killed (build) {place}", flush=True)
            else:
                # (The filter also matches suites in the same files: the Kbuild builds and
                # whole kernels are skipped, they share caches with other runs.)
                test = run(["swift", "test", "--skip-build", "--filter", args.tests,
                            "--skip", "KbuildBuildTests|Vmlinux"], 900)
                if test.returncode != 0:
                    killed += 1
                    how = " (timeout: the walk never ends)" if test.returncode == 124 else ""
                    print(f"[{k}/{len(mutants)}] killed{how} {place}", flush=True)
                else:
                    survivors.append((place, lines[n].strip()))
                    print(f"[{k}/{len(mutants)}] SURVIVED {place}\n    {lines[n].strip()}", flush=True)
            open(os.path.join(ROOT, path), "w").write(originals[path])
    finally:
        for f, text in originals.items():
            open(os.path.join(ROOT, f), "w").write(text)
    print(f"mutation-walk: {len(mutants) - args.skip} mutants, {killed} killed ({by_build} by the build), {len(survivors)} survived")
    sys.exit(0)


main()
