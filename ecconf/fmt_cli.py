"""`ecconf fmt`: write config files in the canonical layout, in place, or say which would change.

Rule of this room: arguments, files and exit statuses only; the layout is compiler/fmt.py's and the walk is
discover.py's. Each file is formatted on its own (an included file is formatted when it is named or found in
a named folder; includes are not followed). Exit statuses, as `lint`'s: 0 nothing to do or every file
written; 1 `--check`/`--diff` found a file that would change, or a file has a syntax error (refused, with
the diagnostic lint prints); 2 usage, a settings file that cannot be used, or a file that cannot be read or
written. A file is written only when its meaning is unchanged (the syntax nodes without spans or quotes are
compared) and, where the new layout moves a place in or out of a suppression comment's lines, the file's
findings (linted alone) are the same; then through a temporary file in its folder, flushed to disk and
renamed over it, keeping its owner, group (where the process may) and mode; a failure leaves the file as it
was and no temporary file behind.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import stat
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass

from .exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Subparsers, say_error

STDIN = "-"
STDIN_NAME = "<stdin>"


def add_fmt(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "fmt",
        parents=[common],
        help="rewrite config files in the canonical layout (comments kept)",
        description="Rewrite config files in one layout: two-space indents, one statement a line, `Name = value`, "
        "containers on one line when they fit. Comments, names and values stay as written. Exit 0: done or "
        "nothing to do; 1: --check/--diff found files to change, or a file has a syntax error; 2: usage or "
        "unreadable input.",
    )
    p.add_argument(
        "files",
        nargs="+",
        metavar="PATH",
        help="config files or directories (directories: every *.conf below); - reads standard input and writes "
        "the result to standard output",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--check", action="store_true", help="write nothing; name the files that would change")
    what.add_argument("--diff", action="store_true", help="write nothing; print a unified diff of the changes")
    p.add_argument("--exclude", type=_split, action="append", metavar="PATTERNS", help="as for lint")
    p.add_argument("--extend-exclude", type=_split, action="append", metavar="PATTERNS", help="as for lint")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--config", metavar="FILE", help="settings from FILE (.ecconf.toml or pyproject.toml)")
    where.add_argument("--isolated", action="store_true", help="ignore every settings file")
    p.set_defaults(func=cmd_fmt)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@dataclass
class _Run:
    status: int = EXIT_OK
    changed: int = 0
    unchanged: int = 0

    def worse(self, status: int) -> None:
        self.status = max(self.status, status)


def cmd_fmt(args: argparse.Namespace) -> int:
    from .discover import expand
    from .lint_cli import _settings
    from .settings import SettingsError

    try:
        settings = _settings(args)
    except SettingsError as exc:
        say_error(str(exc))
        return EXIT_USAGE
    flat = [p for group in args.exclude or () for p in group]
    exclude = flat if args.exclude is not None else settings.exclude
    extend = (*settings.extend_exclude, *(p for group in args.extend_exclude or () for p in group))
    expansion = expand(args.files, exclude, extend)
    for folder in expansion.empty:
        say_error(f"warning: {folder}: no config files (*.conf) in it")
    run = _Run()
    for path in expansion.files:
        if path.endswith(".json") and path not in args.files:
            continue  # a JSON config found in a walked folder: not text to lay out
        _format_one(path, args, run)
    if not (args.check or args.diff) and (run.changed or run.unchanged) and STDIN not in expansion.files:
        say_error(f"{_count(run.changed)} reformatted, {_count(run.unchanged)} left unchanged")
    elif args.check and run.changed:
        say_error(f"{_count(run.changed)} would be reformatted, {_count(run.unchanged)} already formatted")
    return run.status


def _count(n: int) -> str:
    return f"{n} file{'' if n == 1 else 's'}"


def _format_one(path: str, args: argparse.Namespace, run: _Run) -> None:
    from .compiler.source_trees import read_tree, tree_of

    if path == STDIN:
        text, problem = _read_stdin()
        if text is None:
            say_error(problem or "cannot read standard input")
            run.worse(EXIT_USAGE)
            return
        name = STDIN_NAME
        tree, diagnostic = tree_of(text, name)
    else:
        if path.endswith(".json"):
            say_error(f"{path}: a JSON config has no layout to format (`ecconf text` writes it as config text)")
            run.worse(EXIT_USAGE)
            return
        name = path
        tree, text, diagnostic = read_tree(path)
        if text is None:
            message = diagnostic.message if diagnostic is not None else f"cannot read {path}"
            if path not in message and diagnostic is not None:
                message = f"{path}:{diagnostic.span.line}:{diagnostic.span.column}: {message}"
            say_error(message)
            run.worse(EXIT_USAGE)
            return
    if tree is None:
        _refuse(name, text, diagnostic)
        run.worse(EXIT_FAILED)
        return
    new = _formatted(tree, text, name)
    if new is None:
        run.worse(EXIT_FAILED)
        return
    if path == STDIN and not (args.check or args.diff):
        sys.stdout.write(new)
        return
    if new == text:
        run.unchanged += 1
        return
    run.changed += 1
    if args.check:
        print(f"would reformat: {name}")
        run.worse(EXIT_FAILED)
    elif args.diff:
        sys.stdout.writelines(unified_diff(text, new, name))
        run.worse(EXIT_FAILED)
    elif not write_atomically(path, new):
        run.worse(EXIT_USAGE)


def _formatted(tree: object, text: str, name: str) -> str | None:
    from .compiler.fmt import format_tree
    from .compiler.fmt_guard import meaning, suppressed

    new = format_tree(tree)  # type: ignore[arg-type]
    if new == text:
        return new
    if meaning(new, name) != meaning(text, name):  # never expected: refuse rather than write
        say_error(f"{name}: not formatted: the new layout would not mean the same (please report this)")
        return None
    if suppressed(new, name) != suppressed(text, name) and _findings(new, name) != _findings(text, name):
        say_error(
            f"{name}: not formatted: its suppression comments would silence other places in the new layout"
            " (put each statement that shares a line with a suppressed one on a line of its own first)"
        )
        return None
    return new


def _findings(text: str, name: str) -> Counter[tuple[str, str]]:
    """The file's findings, linted alone, by code and message (which hold no position)."""
    from .compiler.checker import CheckOptions
    from .pipeline import lint_text

    report = lint_text(text, name, CheckOptions(check_files=False))
    return Counter((d.code, d.message) for d in report.diagnostics)


def _refuse(name: str, text: str, diagnostic: object) -> None:
    from .pipeline import LintReport, render_report

    if diagnostic is None:
        say_error(f"{name}: cannot be parsed")
        return
    report = LintReport([diagnostic], 1, sources={name: text})  # type: ignore[list-item]
    sys.stderr.write(render_report(report, "text", False, quiet=True))
    say_error(f"{name}: not formatted: it has a syntax error")


def _read_stdin() -> tuple[str | None, str | None]:
    from .compiler.includes import MAX_FILE_BYTES

    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return None, f"{STDIN_NAME}: the input is larger than {MAX_FILE_BYTES // 2**20} MiB"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"{STDIN_NAME}: the input is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"


def unified_diff(old: str, new: str, name: str) -> list[str]:
    before, after = (name, name) if os.path.isabs(name) else (f"a/{name}", f"b/{name}")
    lines = list(difflib.unified_diff(old.splitlines(True), new.splitlines(True), before, after))
    # A last line without a line end would run into the next diff line: end it, as diff(1) says.
    return [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines]


def write_atomically(path: str, text: str) -> bool:
    """Replace the file's content atomically: a temporary file beside it (the target of a symbolic link, so
    the link stays a link), flushed to disk, given the file's owner, group (as far as this process may give
    them) and mode, renamed over it. On any failure the file is as it was and no temporary file is left."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    try:
        info = os.stat(target)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            _keep_owner(temporary, info)
            os.chmod(temporary, stat.S_IMODE(info.st_mode))  # after chown, which may clear set-id bits
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _sync_folder(folder)
    except OSError as exc:
        say_error(f"cannot write {path}: {exc.strerror or exc}")
        return False
    return True


def _keep_owner(temporary: str, info: os.stat_result) -> None:
    """Give the new file the old one's owner and group: root may give both; another user may keep the group
    when it is one of theirs, and the owner is theirs anyway (a file they could not give back is theirs)."""
    mine = os.stat(temporary)
    if (mine.st_uid, mine.st_gid) == (info.st_uid, info.st_gid):
        return
    try:
        os.chown(temporary, info.st_uid, info.st_gid)
    except PermissionError:
        with contextlib.suppress(PermissionError):
            os.chown(temporary, -1, info.st_gid)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (where a folder can be opened and flushed)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
