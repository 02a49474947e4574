"""`ecconf lint`: its arguments, the project settings they override, and how the report is printed.

Rule of this room: arguments and settings only; which files (discover.py), what is checked (the compiler,
through pipeline.py), what a settings file may say (settings.py) and what a baseline holds (baseline.py) live
elsewhere. The command line wins over the settings file: `--select`, `--exclude`, `--format`, `--baseline`
replace the file's; `--ignore`, `--extend-exclude` and `--severity` add to it (a `--severity` for the same
prefix wins).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .compiler.render import FORMATS
from .exits import EXIT_OK, EXIT_USAGE, Subparsers, say_error, write_output
from .fix_cli import add_fix_arguments, run_fixes


def split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _prefixes(text: str) -> list[str]:
    from .compiler.checker import parse_known_prefix

    try:
        return [parse_known_prefix(part) for part in split(text)]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _severities(text: str) -> list[Any]:
    from .compiler.checker import parse_known_prefix, parse_severity

    try:
        levels = [parse_severity(part) for part in split(text)]
        for prefix, _level in levels:
            parse_known_prefix(prefix)
        return levels
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _docs_url(text: str) -> str:
    from .docs_links import docs_url_problem

    problem = docs_url_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def _flatten(groups: Sequence[list[Any]] | None) -> tuple[Any, ...]:
    return tuple(item for group in groups or () for item in group)


def add_lint(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("lint", parents=[common], help="check config files and report problems")
    p.add_argument(
        "files",
        nargs="+",
        metavar="PATH",
        help="config files or directories to check (directories: every *.conf and *.ecconf.json below); - reads "
        "standard input",
    )
    p.add_argument("--format", choices=FORMATS, default=None, help="output format (default: text)")
    p.add_argument("--select", type=_prefixes, action="append", metavar="CODES", help="only these codes/prefixes")
    p.add_argument("--ignore", type=_prefixes, action="append", metavar="CODES", help="skip these codes/prefixes")
    p.add_argument(
        "--severity", type=_severities, action="append", metavar="CODE=LEVEL", help="set a level: error/warning/info"
    )
    p.add_argument("--strict", action="store_true", help="warnings make the exit status 1 too")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings fail (2 still means unusable)")
    p.add_argument("--no-file-checks", action="store_true", help="do not read files the config names")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of standard output")
    p.add_argument("--quiet", "-q", action="store_true", help="text format: findings only, no summary or notes")
    p.add_argument("--statistics", action="store_true", help="print how often each code was found, not each finding")
    p.add_argument("--show-docs", action="store_true", help="text format: a link to each finding's rule page")
    p.add_argument(
        "--docs-url",
        type=_docs_url,
        metavar="URL",
        help="where the rule pages are, for SARIF's helpUri and --show-docs: a folder URL (URL/E201.md) or one "
        "with {code} in it (default: the installed package's, else this checkout's docs/rules/ as file: links)",
    )
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text format: auto (a terminal, unless NO_COLOR is set; FORCE_COLOR forces it)",
    )
    p.add_argument(
        "--exclude",
        type=split,
        action="append",
        metavar="PATTERNS",
        help="file and folder name patterns to skip when walking a directory, in place of the defaults "
        "(.git, .venv, node_modules, build, dist, caches ...)",
    )
    p.add_argument(
        "--extend-exclude", type=split, action="append", metavar="PATTERNS", help="patterns to skip, besides those"
    )
    p.add_argument(
        "--baseline",
        metavar="FILE",
        help="report (and fail on) only the findings that FILE does not record; see --write-baseline",
    )
    p.add_argument(
        "--write-baseline",
        action="store_true",
        help="record today's findings in the --baseline FILE instead of reporting them (exit 0)",
    )
    p.add_argument(
        "--watch", action="store_true", help="lint again whenever a file it read changes (Ctrl-C stops; exit 0)"
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--config", metavar="FILE", help="settings from FILE (.ecconf.toml or pyproject.toml)")
    where.add_argument("--isolated", action="store_true", help="ignore every settings file")
    add_fix_arguments(p)  # --fix, --diff: fix_cli.py
    p.set_defaults(func=cmd_lint)


def _settings(args: argparse.Namespace) -> Any:
    """The settings that govern this run: --config, else the nearest file above the first path."""
    from .compiler.checker import parse_known_prefix, parse_severity
    from .settings import Settings, find, load

    if args.isolated:
        return Settings()
    path = Path(args.config) if args.config else find(args.files[0])
    if path is None:
        return Settings()
    if args.config and not path.is_file():
        from .settings import SettingsError

        raise SettingsError(f"cannot read {path}: no such file")
    return load(path, parse_known_prefix, lambda word: parse_severity(f"E={word}")[1], FORMATS)


def _color(choice: str) -> bool:
    from .compiler.render import wants_color

    if choice != "auto":
        return choice == "always"
    if os.environ.get("FORCE_COLOR") and not os.environ.get("NO_COLOR"):
        return True
    return wants_color(sys.stdout)


def cmd_lint(args: argparse.Namespace) -> int:
    from .compiler.checker import CheckOptions
    from .discover import expand, patterns_of
    from .includers import Includers
    from .pipeline import lint_paths, render_report, render_statistics
    from .settings import SettingsError

    try:
        settings = _settings(args)
    except SettingsError as exc:
        say_error(str(exc))
        return EXIT_USAGE
    options = CheckOptions(
        select=_flatten(args.select) if args.select else (settings.select or ()),
        ignore=(*settings.ignore, *_flatten(args.ignore)),
        check_files=not args.no_file_checks and settings.check_files is not False,
        severity=(*_flatten(args.severity), *settings.severity),  # the first of equal prefixes wins
        strict=args.strict or bool(settings.strict),
        per_file_ignores=settings.per_file_ignores,
    )
    baseline = args.baseline or settings.baseline
    if args.write_baseline and not baseline:
        say_error("--write-baseline needs --baseline FILE (or baseline in the settings): the file to write")
        return EXIT_USAGE
    if args.watch and (args.write_baseline or "-" in args.files):
        say_error("--watch needs files to watch: not standard input, and not with --write-baseline")
        return EXIT_USAGE
    known: Any = None
    if baseline and not args.write_baseline:
        from .baseline import BaselineError, load

        try:
            known = load(Path(baseline))
        except BaselineError as exc:
            say_error(f"{exc}; `--write-baseline` creates it")
            return EXIT_USAGE
    exclude = _flatten(args.exclude) if args.exclude is not None else settings.exclude
    extend = (*settings.extend_exclude, *_flatten(args.extend_exclude))
    fmt = args.format or settings.output_format or "text"
    color = args.output is None and _color(args.color)
    seen: dict[str, str | None] = {}  # --watch: every file the last run read, with its text

    def once() -> int:
        expansion = expand(args.files, exclude, extend)
        for folder in expansion.empty:
            say_error(f"warning: {folder}: no config files (*.conf, *.ecconf.json) in it")
        walked = [path for path in args.files if path != "-" and os.path.isdir(path)]
        settings_folder = str(Path(settings.path).parent) if settings.path else None
        includers = Includers(settings_folder, patterns_of(exclude, extend), walked)
        if args.fix or args.diff:  # fix first (fix_cli.py); with --fix, the report then says what remains
            fixing = run_fixes(expansion.files, options, args, includers.candidates)
            if args.diff or fixing == EXIT_USAGE:
                return fixing
        report = lint_paths(expansion.files, options, includers=includers.candidates)
        # By absolute path: a walk says ./part.conf where an include says part.conf. Unreadable: None.
        seen.clear()
        seen.update({os.path.abspath(path): None for path in expansion.files})
        seen.update({os.path.abspath(path): text for path, text in report.sources.items()})
        seen.update({os.path.abspath(path): text for path, text in report.context_texts.items()})
        for problem in report.input_errors:
            say_error(problem)
        if args.write_baseline:
            return _write_baseline(report, Path(baseline))
        if known is not None:
            report = _against_baseline(report, known, Path(baseline), args.quiet)
        if not args.quiet:
            for note in includers.notes:
                say_error(note)
            for fragment, includer in report.context.items():
                say_error(f"note: checked {fragment} as part of {includer}, which includes it")
        if (expansion.walked or report.folded) and not args.quiet:
            say_error(entry_note(report.entry_points, report.folded))
        status = report.exit_status
        status = EXIT_OK if args.exit_zero and status == 1 else status
        if args.statistics:
            text = render_statistics(report, fmt)
        else:
            text = render_report(
                report,
                fmt,
                color,
                quiet=args.quiet,
                show_docs=args.show_docs,
                exit_code=status,
                docs_url=args.docs_url or settings.docs_url,
            )
        return status if write_output(text, args.output, sys.stdout) else EXIT_USAGE

    if not args.watch:
        return once()
    from .compiler.includes import read_text
    from .watch import watch

    def run() -> dict[str, str | None]:
        once()
        return dict(seen)

    def probe(before: dict[str, str | None]) -> str | None:
        """The first file whose text differs from what the run read (or that is gone), or a new one in a folder."""
        for path, text in before.items():
            if read_text(path)[0] != text:
                return path
        found = expand(args.files, exclude, extend).files
        return next((path for path in found if os.path.abspath(path) not in before), None)

    return watch(run, probe)


def _write_baseline(report: Any, path: Path) -> int:
    from .baseline import record

    if report.input_errors:  # a baseline of a partial run would hide nothing tomorrow, or the wrong things
        say_error(f"{path} not written: some inputs could not be read")
        return EXIT_USAGE
    text = record(report.diagnostics, report.sources, path.resolve().parent)
    if not write_output(text, str(path), sys.stdout):
        return EXIT_USAGE
    n = len(report.diagnostics)
    say_error(f"recorded {n} finding{'' if n == 1 else 's'} in the baseline {path}")
    return EXIT_OK


def _against_baseline(report: Any, known: Any, path: Path, quiet: bool) -> Any:
    """The report with only the findings the baseline does not hold; says what it hid and what is fixed."""
    from dataclasses import replace

    from .baseline import compare

    result = compare(report.diagnostics, report.sources, known, path.resolve().parent)
    if result.known and not quiet:
        say_error(f"{result.known} finding{'' if result.known == 1 else 's'} recorded in the baseline {path} not shown")
    if result.fixed:
        total = sum(n for _key, n in result.fixed)
        say_error(
            f"note: {total} finding{'' if total == 1 else 's'} recorded in the baseline {path} "
            f"{'is' if total == 1 else 'are'} fixed; the baseline can be updated with --write-baseline:"
        )
        for key, n in result.fixed[:10]:
            sys.stderr.write(
                f"  fixed: {key.path}: {key.code} {key.message}" + (f" ({n} times)" if n > 1 else "") + "\n"
            )
        if len(result.fixed) > 10:
            sys.stderr.write(f"  ... and {len(result.fixed) - 10} more\n")
    return replace(report, diagnostics=result.new)


def entry_note(points: Sequence[str], folded: dict[str, str]) -> str:
    """Which files were checked as roots, so that a file missing from the report is never a mystery."""
    shown = ", ".join(points[:5]) + (f" and {len(points) - 5} more" if len(points) > 5 else "")
    note = f"checked {len(points)} entry point{'' if len(points) == 1 else 's'}: {shown or 'none'}"
    if folded:
        note += f"; {len(folded)} more file{'' if len(folded) == 1 else 's'} checked as their includes"
    return note
