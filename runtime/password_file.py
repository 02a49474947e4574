"""The password file formats: `file:` (user:password, the password in clear or as `{SCHEME}hash`) and
`digest:` (htdigest user:realm:hex).

Rule of this room: parsing only, shared by the stores and the linter. A clean file takes a tight fast path;
a file with any problem is read again carefully so that every problem is reported with its line number, and
never with a password or hash in the message. Parsing can run in slices (`parse_steps`) so that whoever drives
it — a thread resting between slices, or the event loop serving sessions in between — keeps its say.
"""

from __future__ import annotations

import enum
import gc
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from .password_hashes import unknown_prefix
from .sharded import ShardedDict

Table = dict[str, str] | ShardedDict  # what a parse fills: user (or "user:realm") -> password (or hash)
CHUNK = 64 * 1024  # bytes of clean lines parsed between two rests


class StoreKind(enum.Enum):
    FILE = "file"  # user:password
    DIGEST = "digest"  # user:realm:hex(MD5(user:realm:password))


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding in a password file; never carries a password or hash."""

    line: int  # 1-based
    message: str
    fatal: bool = True  # a fatal problem stops a store from loading the file; others are lint warnings


def parse_password_file(
    text: str | bytes, kind: StoreKind, *, pause: float = 0.0, table: Callable[[], Table] = dict
) -> tuple[Table, list[Problem]]:
    """Entries and problems of a `file:` or `digest:` password file.

    `file:` entries map user -> password (split on the first ':'). `digest:` entries map "user:realm" (see
    `digest_key`) -> the 32 hex digits of H(user:realm:password). Lines starting with '#' and blank lines are
    skipped. A later line for the same user (and realm) wins, with a non-fatal problem. `table` makes the
    mapping to fill (a store uses a ShardedDict); `pause` is the rest in seconds between 64 KiB chunks.
    """
    return run_steps(parse_steps(text, kind, table=table), pause)


def parse_steps(
    text: str | bytes, kind: StoreKind, *, table: Callable[[], Table] = dict, chunk: int = CHUNK
) -> Generator[None, None, tuple[Table, list[Problem]]]:
    """`parse_password_file` in slices: yields after each `chunk` bytes of clean lines, returns its answer.

    A file with a problem is parsed again carefully, in one go: that is rare and worth a full explanation.
    """
    problems: list[Problem] = []
    scan = _scan_clean_clear if kind is StoreKind.FILE else _scan_clean_digest
    with _gc_paused():
        entries: Table | None = table()
        try:
            for lines in _chunks(text, chunk):
                if scan(lines, entries) is None:  # type: ignore[arg-type]
                    entries = None
                    break
                yield
        except UnicodeDecodeError:
            entries = None
        if entries is None:
            if isinstance(text, bytes):
                text = _decode(text, problems)
            entries = _scan_careful(text.split("\n"), kind, problems, table())
    return entries, problems


_T = TypeVar("_T")


def run_steps(steps: Generator[None, None, _T], pause: float) -> _T:
    """Drive a generator of slices to its answer in this thread, resting `pause` seconds between slices."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        if pause:
            time.sleep(pause)


def _chunks(text: str | bytes, chunk: int) -> Iterator[list[str]]:
    """The lines of `text` (bytes are UTF-8), taken `chunk` bytes at a time. A million users never exist as a
    million-line list beside the dict being built (that list was a third of a load's peak memory), and
    whoever drives the parse gets a word in between chunks (see PasswordFileStore.refresh_steps)."""
    newline: str | bytes = b"\n" if isinstance(text, bytes) else "\n"
    start, size = 0, len(text)
    while start < size:
        end = text.find(newline, start + chunk)  # type: ignore[arg-type]
        if end < 0:
            end = size
        piece = text[start:end]
        # A UTF-8 sequence never contains the byte 0x0A, so a chunk cut at a newline decodes on its own.
        yield (piece.decode("utf-8") if isinstance(piece, bytes) else piece).split("\n")
        start = end + 1


@contextmanager
def _gc_paused() -> Iterator[None]:
    # A million new tuples and strings set off the cyclic collector again and again, for nothing: none of
    # them can form a cycle. Pausing it makes a large load about a third faster.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# The clean scans are the fast path for a file without a single problem: a tight loop that gives up (None) at
# the first oddity, leaving the careful scan to find and explain every problem with its line number.


def _scan_clean_clear(lines: Iterable[str], entries: Table) -> Table | None:
    for line in lines:
        if not line or line[0] == "#":
            continue
        user, sep, password = line.partition(":")
        if not sep or not user or not password or password[-1] == "\r" or user in entries:
            return None
        if password[0] == "{" and unknown_prefix(password) is not None:
            return None
        entries[user] = password
    return entries


def _scan_clean_digest(lines: Iterable[str], entries: Table) -> Table | None:
    batch: list[str] = []
    for line in lines:
        if not line or line[0] == "#":
            continue
        head, _, hex_hash = line.rpartition(":")
        if len(hex_hash) != 32 or ":" not in head or head[0] == ":" or head in entries:
            return None
        entries[head] = hex_hash
        batch.append(hex_hash)
        if len(batch) == 4096:
            if not _all_hex(batch):
                return None
            batch.clear()
    return entries if _all_hex(batch) else None


def _all_hex(hashes: list[str]) -> bool:
    # Many hashes at once (32 characters each), in batches so no single call holds the GIL for long.
    try:
        bytes.fromhex("".join(hashes))
    except ValueError:
        return False
    return True


def _scan_careful(lines: list[str], kind: StoreKind, problems: list[Problem], entries: Table | None = None) -> Table:
    parse_line = _parse_clear_line if kind is StoreKind.FILE else _parse_digest_line
    entries = {} if entries is None else entries
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line or line[0] == "#":
            continue
        if line[-1] == "\r":
            line = line[:-1]
        if not line or line.isspace():
            continue
        parsed = parse_line(line)
        if isinstance(parsed, str):
            problems.append(Problem(number, parsed))
            continue
        key, value = parsed
        if not value:
            problems.append(Problem(number, "empty password: this user cannot log in", fatal=False))
            continue
        if key in entries:
            what = "user" if kind is StoreKind.FILE else "user and realm"
            message = f"duplicate {what} (first on line {first_line[key]}); this later line wins"
            problems.append(Problem(number, message, fatal=False))
        else:
            first_line[key] = number
        entries[key] = value
    problems.sort(key=lambda problem: problem.line)
    return entries


def _parse_clear_line(line: str) -> tuple[str, str] | str:
    user, sep, password = line.partition(":")
    if not sep:
        return "malformed line: expected user:password"
    if not user:
        return "empty user name"
    prefix = unknown_prefix(password)
    if prefix is not None:  # a hash must never be taken for the password itself
        return f"unknown password scheme {prefix} (write {{PLAIN}} before a clear-text password of this shape)"
    return user, password


def _parse_digest_line(line: str) -> tuple[str, str] | str:
    head, sep, hex_hash = line.rpartition(":")
    if not sep or ":" not in head:
        return "malformed line: expected user:realm:md5hex"
    if head[0] == ":":
        return "empty user name"
    if len(hex_hash) != 32:
        return f"hash must be 32 hex digits, found {len(hex_hash)} characters"
    try:
        bytes.fromhex(hex_hash)
    except ValueError:
        return "hash is not hexadecimal"
    return head, hex_hash


def _decode(data: bytes, problems: list[Problem]) -> str:
    """UTF-8 text; an invalid byte sequence is a fatal problem on its line and that line is dropped."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(number, "line is not valid UTF-8"))
            lines[number - 1] = b""
    return b"\n".join(lines).decode("utf-8")


def digest_key(user: str, realm: str) -> str:
    """The entry key of a `digest:` file line: user names cannot contain ':', so this is unambiguous."""
    return f"{user}:{realm}"


def split_digest_key(key: str) -> tuple[str, str]:
    user, _, realm = key.partition(":")
    return user, realm
