"""Read a config file and everything it includes; every file read of the compiler happens here.

Rule of this room: SPEC §2's include rules — a relative path looks in the including file's directory first,
then in the working directory; a directory includes its files in alphabetical order, skipping names that
start with `.`, without following sub-directories. A missing target, an unreadable file or a cycle is a
diagnostic at the include statement; loading carries on with the rest. An include is one level of nesting,
like a scope: a file included inside two scopes starts three levels deep, and nothing nests deeper than
grammar.MAX_DEPTH (an endless chain of includes under different names stops there). Only regular files are
read (read_regular: never a device or a FIFO, never blocking, never past a size limit), and one config reads
at most MAX_INCLUDED_FILES included files and MAX_TOTAL_CHARS of text in all. A file included again is
parsed once; every include of it still brings its statements into the config, and those repeats are bounded
by MAX_REPEATED_STATEMENTS, so a few small files cannot expand into millions of statements. An included file
that is not a config at all (sealed.py) is named, never quoted, and left out.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..grammar import MAX_DEPTH, GrammarError, NestingTooDeep
from .diagnostics import Diagnostic, Related
from .gc_pause import gc_paused
from .nodes import File, Include, Scalar, Scope, Statement
from .sealed import opaque_syntax_error, sealed_file, unknown_statements
from .span import Span, whole_file
from .transform import parse_text

SYNTAX = "E100"
UNREADABLE = "E101"
INCLUDE_MISSING = "E102"
INCLUDE_CYCLE = "E103"
INCLUDE_VALUE = "E104"

MAX_FILE_BYTES = 64 * 1024 * 1024
# One config and its includes, in all. A file is read again for every include of it, so seven small files
# that each include the next one ten times would make a million reads: past these bounds the loader stops.
MAX_INCLUDED_FILES = 10_000
MAX_TOTAL_CHARS = 4 * MAX_FILE_BYTES
# Statements that includes of an already included file bring in again. Everything after loading costs about
# 10 µs a statement, so two files that each include the next one a hundred times (2 KB) would otherwise
# expand a 250-line file into 2.5 million statements: half a minute and gigabytes. The first include of each
# file is not counted (its cost is that of its own text, as for any file).
MAX_REPEATED_STATEMENTS = 100_000


@dataclass
class Loaded:
    root: File | None
    problems: list[Diagnostic] = field(default_factory=list)
    files: dict[str, File] = field(default_factory=dict)  # every file read, by display path
    texts: dict[str, str] = field(default_factory=dict)


def _irregular(info: os.stat_result, limit: int) -> str | None:
    if stat.S_ISDIR(info.st_mode):
        return "it is a directory"
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    if info.st_size > limit:
        return f"it is larger than {limit // 2**20} MiB"
    return None


def read_regular(path: str | os.PathLike[str], limit: int) -> tuple[bytes | None, str | None]:
    """The bytes of a regular file of at most `limit` bytes, or why they cannot be had ("it is a directory",
    "it is not a regular file", "it is larger than N MiB", or the system's reason).

    Devices and FIFOs are never opened. The file is opened without blocking and looked at again once open
    (it may have been swapped for a FIFO meanwhile), and read no further than the limit: a /proc file says it
    is empty and may never end (/proc/kmsg blocks instead: without blocking, that is an error)."""
    try:
        why = _irregular(os.stat(path), limit)
        if why is not None:
            return None, why
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            why = _irregular(os.fstat(fd), limit)
            if why is not None:
                return None, why
            chunks: list[bytes] = []
            size = 0
            while size <= limit:
                chunk = os.read(fd, min(2**20, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        return None, exc.strerror or str(exc)
    if size > limit:
        return None, f"it is larger than {limit // 2**20} MiB"
    return b"".join(chunks), None


def read_text(path: str, span: Span | None = None) -> tuple[str | None, Diagnostic | None]:
    """The file's text, or the diagnostic that says why it cannot be had."""
    where = span or whole_file(path)
    data, why = read_regular(path, MAX_FILE_BYTES)
    if data is None:
        return None, Diagnostic(UNREADABLE, f"cannot read {path}: {why}", where)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, Diagnostic(
            UNREADABLE,
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            Span(path, line, column, line, column + 1),
            hint="save the file as UTF-8",
        )


NESTING_HINT = "scopes, arrays, dictionaries and includes may nest {limit} levels deep; real configs need a few"


def _too_deep(limit: int, span: Span) -> Diagnostic:
    return Diagnostic(SYNTAX, f"nesting deeper than {limit} levels", span, hint=NESTING_HINT.format(limit=limit))


def parse_source(text: str, path: str, depth: int = 0, guarded: bool = False) -> tuple[File | None, Diagnostic | None]:
    """The file's nodes, or its syntax error. `guarded`: the text was read from a path (which may name any
    file), so an error in a text that is not a config at all quotes none of it."""
    if text.startswith("\ufeff"):  # a byte-order mark is not part of the first line's columns
        text = text[1:]
    try:
        return parse_text(text, path, depth), None
    except NestingTooDeep as exc:
        return None, _too_deep(exc.limit, Span(path, exc.line, exc.column, exc.line, exc.column + 1))
    except GrammarError as error:
        span = Span(path, error.line, error.column, error.line, error.column + 1)
        # Judged where the parser stopped: a message may point back at the cause (a typographic quote).
        line, column = error.stopped or (error.line, error.column)
        opaque = opaque_syntax_error(text, Span(path, line, column, line, column + 1)) if guarded else None
        if opaque is not None:
            return None, opaque
        related: tuple[Related, ...] = ()
        if error.opened is not None:
            o = error.opened
            related = (Related(Span(path, o.line, o.column, o.line, o.column + 1), f"the {o.what} opened here"),)
        return None, Diagnostic(SYNTAX, error.message, span, hint=error.hint, related=related)
    except RecursionError:
        return None, Diagnostic(SYNTAX, "the file nests too deeply to be read", whole_file(path))


def target_paths(written: str, including_dir: Path) -> list[Path] | None:
    """Where an include of `written` in a file of `including_dir` leads (SPEC §2): the files, or None when
    nothing of that name exists. Raises OSError when a folder cannot be listed."""
    path = Path(written)
    for candidate in [path] if path.is_absolute() else [including_dir / path, Path.cwd() / path]:
        if candidate.is_dir():
            names = sorted(n for n in os.listdir(candidate) if not n.startswith("."))
            return [candidate / n for n in names if (candidate / n).is_file()]
        if candidate.exists():
            return [candidate]
    return None


def _targets(include: Include, including_dir: Path) -> tuple[list[Path], Diagnostic | None]:
    target = include.target
    if not isinstance(target, Scalar) or not target.value.strip():
        return [], Diagnostic(INCLUDE_VALUE, "include needs one file or directory name", include.span)
    try:
        found = target_paths(target.value, including_dir)
    except OSError as exc:  # a name too long, a directory we may not list: the include cannot be followed
        return [], Diagnostic(UNREADABLE, f"cannot read {target.value!r}: {exc.strerror or exc}", target.span)
    if found is not None:
        return found, None
    return [], Diagnostic(
        INCLUDE_MISSING,
        f"included file {target.value!r} does not exist",
        target.span,
        hint=f"looked in {including_dir}" + ("" if Path(target.value).is_absolute() else " and the working directory"),
    )


def _count(body: list[Statement]) -> int:
    """Statements of one file at every depth (what included files hold is theirs, counted when they load)."""
    return sum(1 + (_count(s.body) if isinstance(s, Scope) else 0) for s in body)


def _fresh(body: list[Statement]) -> list[Statement]:
    """A parsed body for one more include of its file. The loader fills each Include's files, so includes
    (and the scopes holding them) are new nodes; options and values are shared, as nothing changes them."""
    out: list[Statement] = []
    for s in body:
        if isinstance(s, Scope):
            out.append(Scope(s.name, s.name_span, s.instance, _fresh(s.body), s.span, s.open_span))
        elif isinstance(s, Include):
            out.append(Include(s.readonly, s.target, s.span))
        else:
            out.append(s)
    return out


@dataclass(frozen=True, slots=True)
class _Parsed:
    """One file read and parsed at one depth: its text and its tree (never filled in; None: a syntax error)."""

    text: str
    tree: File | None
    statements: int
    unknown: int | None = None  # included, it is left out as not a config (sealed.py); None: it is one


class _Loader:
    def __init__(self, overlay: Mapping[str, str] | None = None) -> None:
        self.out = Loaded(None)
        self.overlay = overlay or {}  # path -> text to use instead of the file's (fixes tried before writing)
        self.stack: list[str] = []
        self.included = 0  # files read for includes, each include counted
        self.chars = 0
        self.repeated = 0  # statements brought in again by includes of files already included
        self.seen: set[str] = set()  # real paths included so far
        self.sealed: set[str] = set()  # real paths of included files left out as not configs (sealed.py)
        self.parsed: dict[tuple[str, int], _Parsed] = {}
        self.taken: set[int] = set()  # ids of the parses (kept alive in `parsed`) whose tree is in use
        # An include written once in a file included 10 000 times is looked up once: where it leads, and the
        # real path of each file (the per-include file system calls were a third of such a load).
        self.found: dict[tuple[str, Path], list[Path]] = {}
        self.real: dict[str, str] = {}
        self.stopped = False  # past a bound: said so once, read nothing more

    def _stop(self, what: str, span: Span) -> None:
        self.stopped = True
        self.out.problems.append(
            Diagnostic(
                UNREADABLE,
                f"not read, nor any include after it: the configuration already {what}",
                span,
                hint="every include of a file brings all of it in again: include each file once",
            )
        )

    def _within_repeats(self, real: str, statements: int, span: Span) -> bool:
        if real not in self.seen:
            self.seen.add(real)
            return True
        if self.repeated + statements <= MAX_REPEATED_STATEMENTS:
            self.repeated += statements
            return True
        self._stop(
            f"repeats {MAX_REPEATED_STATEMENTS:,} statements of files it includes more than once,"
            " the most ecconf expands",
            span,
        )
        return False

    def _parse(self, path: str, span: Span | None, depth: int) -> _Parsed | None:
        """The file read and parsed, once per path and depth; None (and the problem said) if it cannot be read."""
        cached = self.parsed.get((path, depth))
        if cached is not None:
            return cached
        text, problem = (self.overlay[path], None) if path in self.overlay else read_text(path, span)
        if problem is not None:  # not kept: it is said at each include of the file
            self.out.problems.append(problem)
            return None
        assert text is not None
        tree, problem = parse_source(text, path, depth, guarded=True)
        if problem is not None:
            self.out.problems.append(problem)  # said once: its place is in the file, the same every time
        if tree is None:
            parsed = _Parsed(text, None, 0)
        else:
            parsed = _Parsed(text, tree, _count(tree.body), unknown_statements(tree))
        self.parsed[(path, depth)] = parsed
        return parsed

    def _targets(self, include: Include, here: Path) -> tuple[list[Path], Diagnostic | None]:
        written = include.target.value if isinstance(include.target, Scalar) else None
        if written is not None and (written, here) in self.found:
            return self.found[written, here], None
        targets, problem = _targets(include, here)
        if written is not None and problem is None:  # a problem is said at each include: not kept
            self.found[written, here] = targets
        return targets, problem

    def _within_bounds(self, span: Span) -> bool:
        if self.stopped:
            return False
        if self.included < MAX_INCLUDED_FILES and self.chars <= MAX_TOTAL_CHARS:
            return True
        self._stop(
            f"includes {MAX_INCLUDED_FILES} files, the most ecconf reads"
            if self.included >= MAX_INCLUDED_FILES
            else f"holds more than {MAX_TOTAL_CHARS:,} characters, the most ecconf reads",
            span,
        )
        return False

    def load(self, path: str, span: Span | None, depth: int = 0) -> File | None:
        real = self.real.get(path) or self.real.setdefault(path, os.path.realpath(path))
        if real in self.stack:
            assert span is not None
            self.out.problems.append(
                Diagnostic(INCLUDE_CYCLE, f"include cycle: {path} includes itself (through its includes)", span)
            )
            return None
        if span is not None and not self._within_bounds(span):
            return None
        parsed = self._parse(path, span, depth)
        if parsed is None:
            return None
        self.included += span is not None
        self.chars += len(parsed.text)
        self.out.texts[path] = parsed.text
        if parsed.tree is None:
            return None
        if span is not None and not self._within_repeats(real, parsed.statements, span):
            return None
        if span is not None and parsed.unknown is not None:
            if real not in self.sealed:  # said once, at the file: not at each include of it
                self.sealed.add(real)
                self.out.problems.append(sealed_file(parsed.tree, parsed.unknown, span))
            return None
        # The first include of a parse takes its tree as it is; only the next ones need nodes of their own.
        body = _fresh(parsed.tree.body) if id(parsed) in self.taken else parsed.tree.body
        self.taken.add(id(parsed))
        tree = File(path, body, parsed.tree.comments)
        self.out.files[path] = tree
        self.stack.append(real)
        try:
            self._resolve(tree.body, Path(path).parent, depth)
        finally:
            self.stack.pop()
        return tree

    def _resolve(self, body: list[Statement], here: Path, depth: int) -> None:
        pending: list[tuple[list[Statement], int]] = [(body, depth)]
        while pending:
            statements, level = pending.pop()
            for statement in statements:
                if isinstance(statement, Scope):
                    pending.append((statement.body, level + 1))
                elif isinstance(statement, Include):
                    if level + 1 > MAX_DEPTH:
                        self.out.problems.append(_too_deep(MAX_DEPTH, statement.span))
                        continue
                    targets, problem = self._targets(statement, here)
                    if problem is not None:
                        self.out.problems.append(problem)
                    for target in targets:
                        loaded = self.load(str(target), statement.span, level + 1)
                        if loaded is not None:
                            statement.files.append(loaded)


def load(path: str, overlay: Mapping[str, str] | None = None) -> Loaded:
    """Read, parse and include: the root file and everything below it. `overlay`: texts, by path as the
    loader names files, read in place of those files (a fix is checked before anything is written)."""
    loader = _Loader(overlay)
    with gc_paused():  # once for every file: a collection between two files would walk all the earlier ones
        loader.out.root = loader.load(path, None)
    return loader.out


def load_text(text: str, path: str) -> Loaded:
    """Like load() for text already in memory (stdin, tests); includes resolve against the path's folder."""
    with gc_paused():
        return _load_text(_Loader(), text, path)


def _load_text(loader: _Loader, text: str, path: str) -> Loaded:
    loader.out.texts[path] = text
    tree, problem = parse_source(text, path)
    if problem is not None:
        loader.out.problems.append(problem)
        return loader.out
    assert tree is not None
    loader.out.files[path] = tree
    loader.out.root = tree
    loader.stack.append(os.path.realpath(path))
    loader._resolve(tree.body, Path(path).parent, 0)
    return loader.out
