"""The `ecconf` command line: parse arguments, call the pipeline, print, and map results to exit statuses.

Rule of this room: no domain logic here. Exit statuses: 0 clean, 1 findings that fail (errors, or warnings
under --strict), 2 usage error or unreadable input. A traceback never reaches the user: unexpected exceptions
become `ecconf: internal error: ...` and status 2 (--debug shows the traceback).

Each subcommand is an `add_<name>(subparsers)` that declares its arguments and a `cmd_<name>(args) -> int`
that runs it; SUBCOMMANDS lists the adders in the order `ecconf --help` shows them.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from . import __version__
from .eval_cli import add_eval
from .exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Subparsers, say_error, write_output
from .fmt_cli import add_fmt
from .lint_cli import add_lint
from .passwd_cli import add_passwd

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]


# --- rules ------------------------------------------------------------------------------------------------


def add_rules(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("rules", parents=[common], help="list the rules, or show one rule's documentation")
    p.add_argument(
        "code",
        nargs="?",
        metavar="CODE|PREFIX|NAME",
        help="one rule's documentation (by code or name, e.g. E203 or duplicate-option), or the rules of a prefix",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument(
        "--write-docs",
        metavar="DIR",
        help="write one Markdown page per rule and an index (README.md) into DIR (the repository's: docs/rules)",
    )
    p.set_defaults(func=cmd_rules)


def _write_docs(folder: str) -> int:
    """Every rule's page and the index into `folder`; pages of codes that no longer exist are removed."""
    import re
    from pathlib import Path

    from .compiler.rule_docs import pages
    from .pipeline import rule_infos

    target = Path(folder)
    wanted = pages(rule_infos(links=False))
    try:
        target.mkdir(parents=True, exist_ok=True)
        for stale in target.glob("*.md"):
            if re.fullmatch(r"[A-Z]\d{3}\.md", stale.name) and stale.name not in wanted:
                stale.unlink()
        for name, text in wanted.items():
            (target / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        say_error(f"cannot write {folder}: {exc.strerror or exc}")
        return EXIT_USAGE
    print(f"wrote {len(wanted) - 1} rule pages and {target / 'README.md'}")
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    import difflib
    import json

    from .pipeline import rule_infos

    if args.write_docs is not None:
        if args.code:
            say_error("--write-docs writes every rule's page; give no CODE with it")
            return EXIT_USAGE
        return _write_docs(args.write_docs)
    infos = rule_infos(links=False)
    wanted = (args.code or "").strip()
    one = [i for i in infos if (wanted and wanted.upper() == i.code) or wanted.lower() == i.name.lower()]
    chosen = one or [i for i in infos if i.code.startswith(wanted.upper())]
    if not chosen:
        close = difflib.get_close_matches(wanted, [i.code for i in infos] + [i.name for i in infos], n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else "; `ecconf rules` lists them"
        say_error(f"no rule has the code, prefix or name {args.code!r}{hint}")
        return EXIT_USAGE
    if args.format == "json":
        fields = ("code", "name", "summary", "severity", "doc")
        rows = [
            {**{f: getattr(i, f) for f in fields}, "severity": i.severity.label, "fix": i.fix or None} for i in chosen
        ]
        print(json.dumps(rows[0] if one else rows, indent=2))
    elif one:
        fix = one[0].fix  # a fixable rule says so
        print(one[0].doc + (f"\n\nFix (`ecconf lint --fix`, `--diff` to see it): {fix}." if fix else ""))
    else:
        for info in chosen:
            print(f"{info.code}  {info.severity.label:<7}  {info.summary}" + ("  [fixable]" if info.fix else ""))
    return EXIT_OK


# --- version ----------------------------------------------------------------------------------------------


def add_version(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("version", parents=[common], help="print the version")
    p.set_defaults(func=cmd_version)


def cmd_version(args: argparse.Namespace) -> int:
    print(f"ecconf {__version__}")
    return EXIT_OK


# --- json, schema, text -------------------------------------------------------------------------------


def add_json(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("json", parents=[common], help="print a config as typed JSON (see `ecconf schema`)")
    p.add_argument("file", metavar="FILE", help="a config file (with its includes), its JSON form, or -")
    p.add_argument("--output", "-o", metavar="FILE", help="write the JSON to FILE instead of standard output")
    p.add_argument("--no-file-checks", action="store_true", help="do not read files the config names")
    _add_show_secrets(p)
    p.add_argument(
        "--schema-ref",
        metavar="PATH|URL|none",
        help='the document\'s "$schema", written as given (editors resolve a relative path against the JSON '
        "file's folder); none leaves it out. Default: with --output, the relative path to the nearest "
        "ecconf.schema.json in that folder or above, else the schema's id (urn:ecconf:schema:config:1)",
    )
    p.set_defaults(func=cmd_json)


def add_text(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "text",
        parents=[common],
        help="print a config (or its JSON form) as Momentum config text",
        description="The way back from `ecconf json`: canonical config text with Momentum's spellings. Comments "
        "are not kept and includes are merged.",
    )
    p.add_argument("file", metavar="FILE", help="a .json config, a config file, or -")
    p.add_argument("--output", "-o", metavar="FILE", help="write the text to FILE instead of standard output")
    p.add_argument("--no-file-checks", action="store_true", help="do not read files the config names")
    _add_show_secrets(p)
    p.set_defaults(func=cmd_text)


def _add_show_secrets(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--show-secrets",
        action="store_true",
        help="print passwords and keys as written (by default, options that hold one and passwords inside "
        "URIs are printed as ********)",
    )


def checked_config(args: argparse.Namespace) -> tuple[Any, int]:
    """The config model, or None with the exit status; findings go to stderr as `lint` prints them."""
    from .compiler.checker import CheckOptions, failed
    from .pipeline import LintReport, load_config, render_report, sources_of

    config, diagnostics = load_config(args.file, CheckOptions(check_files=not args.no_file_checks))
    if diagnostics:
        report = LintReport(diagnostics, 1, sources=sources_of(diagnostics))
        sys.stderr.write(render_report(report, "text", False))
    if config is None and not diagnostics:
        say_error(f"cannot read {args.file}")
        return None, EXIT_USAGE
    if config is None or failed(diagnostics, strict=False):
        say_error(f"{args.file} has errors; nothing written")
        return None, EXIT_FAILED
    return config, EXIT_OK


def cmd_json(args: argparse.Namespace) -> int:
    from .compiler.to_json import dumps, schema_ref

    config, status = checked_config(args)
    if config is None:
        return status
    if not args.show_secrets:
        from .compiler.redact import redact_config

        config = redact_config(config)
    ref = schema_ref(args.output) if args.schema_ref is None else args.schema_ref
    text = dumps(config, None if ref.lower() == "none" else ref)
    return EXIT_OK if write_output(text, args.output, sys.stdout) else EXIT_USAGE


def cmd_text(args: argparse.Namespace) -> int:
    from .compiler.fmt import format_tree
    from .compiler.to_text import to_text
    from .grammar.cst import parse_tree

    config, status = checked_config(args)
    if config is None:
        return status
    from pathlib import Path

    from .compiler.relocate import relocate_uris

    # Relative password-file URIs keep naming the same files from where the text is written.
    config = relocate_uris(config, Path(args.output).parent if args.output else Path.cwd())
    if not args.show_secrets:
        from .compiler.redact import redact_config

        config = redact_config(config)
    text = format_tree(parse_tree(to_text(config).text, "<text>"))  # in `ecconf fmt`'s layout
    return EXIT_OK if write_output(text, args.output, sys.stdout) else EXIT_USAGE


def add_schema(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("schema", parents=[common], help="print the JSON Schema (draft 2020-12) of `ecconf json`")
    p.add_argument("--output", "-o", metavar="FILE", help="write the schema to FILE instead of standard output")
    p.set_defaults(func=cmd_schema)


def cmd_schema(args: argparse.Namespace) -> int:
    from .compiler.schema import schema_text

    return EXIT_OK if write_output(schema_text(), args.output, sys.stdout) else EXIT_USAGE


# --- serve ------------------------------------------------------------------------------------------------


def add_serve(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    from .logformat import FORMATS

    p = sub.add_parser(
        "serve",
        parents=[common],
        help="compile a config and run its SMTP AUTH server",
        description="Run the SMTP submission server a config describes. Without CONFIG, serves the built-in "
        "quick-start config on 127.0.0.1:2525 (user alice, password wonderland). Stops on SIGTERM/SIGINT.",
    )
    p.add_argument("config", nargs="?", metavar="CONFIG", help="a config file or its JSON form (default: quick start)")
    p.add_argument(
        "--refresh-interval", type=float, default=2.0, metavar="SECONDS", help="how often password files are re-read"
    )
    p.add_argument(
        "--drain", type=float, default=10.0, metavar="SECONDS", help="how long SIGTERM waits for sessions (10)"
    )
    p.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    p.add_argument("--log-format", default="text", choices=FORMATS, help="log lines as text (default) or JSON objects")
    p.add_argument("--no-file-checks", action="store_true", help="do not check password/TLS files before starting")
    p.add_argument(
        "--loop",
        choices=("auto", "asyncio", "uvloop"),
        default="auto",
        help="event loop: uvloop when installed (auto, the default), or force one",
    )
    p.add_argument(
        "--allow-unserved",
        type=lambda text: [part.strip().lower() for part in text.split(",") if part.strip()],
        action="append",
        metavar="OPTIONS",
        help="start even though these access or TLS-verification options (S507) are not applied by ecconf serve",
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help="serve from N processes sharing each listening socket, bound once by the supervisor (default 1)",
    )
    p.add_argument(
        "--user", metavar="NAME", help="after binding and loading, drop root privileges to this user (needs root)"
    )
    p.add_argument("--group", metavar="NAME", help="with --user: the group to run as (default: the user's own)")
    p.add_argument(
        "--metrics",
        metavar="HOST:PORT",
        help="serve Prometheus metrics, /healthz and /readyz there (needs 'ecconf[metrics]')",
    )
    p.set_defaults(func=cmd_serve)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _unknown_account(user: str | None, group: str | None) -> str | None:
    import grp
    import pwd

    try:
        if user is not None:
            pwd.getpwnam(user)
    except KeyError:
        return f"--user: no such user: {user}"
    try:
        if group is not None:
            grp.getgrnam(group)
    except KeyError:
        return f"--group: no such group: {group}"
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve_options import ServeOptions
    from .serving import serve

    if args.config is not None and args.config != "-" and not os.path.isfile(args.config):
        from .compiler.includes import read_text

        _text, problem = read_text(args.config)  # not a regular file: says why without reading from it
        say_error(problem.message if problem is not None else f"cannot read {args.config}")
        return EXIT_USAGE
    if account_problem := _unknown_account(args.user, args.group):
        say_error(account_problem)
        return EXIT_USAGE
    options = ServeOptions(
        config=args.config,
        refresh_interval=args.refresh_interval,
        drain_seconds=args.drain,
        log_level=args.log_level,
        log_format=args.log_format,
        check_files=not args.no_file_checks,
        loop=args.loop,
        workers=args.workers,
        user=args.user,
        group=args.group,
        metrics=args.metrics,
        allow_unserved=tuple(name for group in args.allow_unserved or () for name in group),
    )
    return serve(options)


SUBCOMMANDS: list[Callable[[Subparsers, argparse.ArgumentParser], None]] = [
    add_lint,
    add_fmt,
    add_json,
    add_eval,
    add_text,
    add_schema,
    add_serve,
    add_passwd,
    add_rules,
    add_version,
]


# --- entry point ------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a sub-command's default must not overwrite `ecconf --debug lint ...`.
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    parser = argparse.ArgumentParser(
        prog="ecconf", description="Lint, convert and serve Momentum-style (ecelerity) MTA configurations."
    )
    parser.add_argument("--version", action="version", version=f"ecconf {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(sub, common)
    return parser


def _silence_stdout() -> None:
    """After a broken pipe (`ecconf lint ... | head`), send what is still buffered nowhere instead of failing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        # `ecconf eval CONFIG --client IP OPTION...`: names after the flags join the positional list.
        if extra and hasattr(args, "trailing_names") and not any(word.startswith("-") for word in extra):
            getattr(args, args.trailing_names).extend(extra)
        elif extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse exits for --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_FAILED
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        say_error(f"internal error: {type(exc).__name__}: {exc}" + ("" if args.debug else " (--debug shows where)"))
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
