"""`ecconf lint --fix` and `--diff`: the deterministic fixes (compiler/fixes.py), written or shown.

Rule of this room: arguments, files and what is said about them; which fixes exist and when one is safe are
compiler/fixes.py's. Fixes run on the entry points (a file another one includes is fixed as part of it; one that
a file of the project outside the run includes is fixed as part of that file, and only it is written, as lint
checks it: ecconf/includers.py) with lint's own options, so suppressions, `--select` and `--ignore` hold for
fixes as they do for findings. With `--fix` the files are written (atomically, as `fmt` writes them) and lint
then reports what remains; with `--diff` nothing is written, the changes are printed as a unified diff, and the
exit status is 1 when there is any.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say_error


def add_fix_arguments(p: argparse.ArgumentParser) -> None:
    fixing = p.add_mutually_exclusive_group()
    fixing.add_argument("--fix", action="store_true", help="apply the safe fixes (`ecconf rules` says which rules)")
    fixing.add_argument("--diff", action="store_true", help="print the fixes --fix would apply; write nothing")


def run_fixes(
    files: Sequence[str],
    options: Any,
    args: argparse.Namespace,
    includers: Callable[[str, set[str]], list[str]] | None = None,
) -> int:
    """Apply (or, with --diff, print) the fixes; EXIT_OK or, for --diff with changes, EXIT_FAILED.
    `includers`: as for lint_paths, the files outside the run that may include an entry point."""
    from .compiler.fixes import fix_config
    from .compiler.includes import load
    from .discover import entry_points
    from .fmt_cli import unified_diff, write_atomically
    from .pipeline import context_of, is_json

    roots = [p for p in dict.fromkeys(files) if p != "-" and not is_json(p)]
    if "-" in files:
        say_error("warning: standard input is not fixed (fixes are written to files)")
    points, _folded = entry_points(roots, {p: load(p).texts for p in roots})
    texts: dict[str, str] = {}
    originals: dict[str, str] = {}
    fixed, remaining = 0, 0
    for root in points:
        alone = load(root)
        found = context_of(root, alone, includers) if includers else None
        before = alone if found is None else found[1]
        result = fix_config(root if found is None else found[0], options, texts)
        if found is not None:  # the includer is not the run's to change: only the fragment's fixes are kept
            mine = found[2]  # the fragment and what it includes, as the includer's loading names them
            result.texts = {**texts, **{p: t for p, t in result.texts.items() if p in mine}}
            result.fixed = [f for f in result.fixed if f.span.path in mine]
            result.remaining = [f for f in result.remaining if f.span.path in mine]
        for path in result.texts:
            if path not in originals and path in before.texts:
                originals[path] = before.texts[path]
        texts = result.texts
        for finding in result.fixed:  # by message: positions move as the fixes before it are made
            verb = "would fix" if args.diff else "fixed"
            say_error(f"{finding.span.path}: {verb} {finding.code}: {finding.message}")
        fixed += len(result.fixed)
        remaining += len(result.remaining)
    changed = {p: t for p, t in texts.items() if originals.get(p) is not None and originals[p] != t}
    status = EXIT_OK
    for path, text in changed.items():
        if args.diff:
            sys.stdout.writelines(unified_diff(originals[path], text, path))
            status = EXIT_FAILED
        elif not write_atomically(path, text):
            status = EXIT_USAGE
    note = f"{fixed} fix{'' if fixed == 1 else 'es'} {'to apply' if args.diff else 'applied'}"
    if remaining:
        plural = "" if remaining == 1 else "s"
        note += f"; {remaining} finding{plural} of fixable rules left (a fix there would change other findings)"
    say_error(note)
    return status
