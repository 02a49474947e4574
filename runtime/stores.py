"""Credential stores named by URI: `file:` (user:password in clear) and `digest:` (htdigest user:realm:hex).

Rule of this room: a store is an in-memory dict built from its file, swapped whole on reload, so lookups are
O(1) and never see a half-loaded file; `refresh()` costs one stat() when nothing changed, and a file that goes
missing or turns malformed leaves the last good contents in place (with `last_error` saying why).
"""

from __future__ import annotations

import enum
import gc
import os
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import unquote

from .sasl.base import SecretKind
from .sharded import ShardedDict, release_steps

Table = dict[str, str] | ShardedDict  # what a parse fills: user (or "user:realm") -> password (or hash)
_RELOAD_PAUSE = 0.001  # seconds a reload rests between chunks of a password file (and to free the old one)
# One step of a reload driven by an event loop: a blocking call to make off the loop (its result is sent
# back), or None: "let the loop serve its sessions, then carry on".
Step = Callable[[], object] | None
_CHUNK = 64 * 1024
_STEP_CHUNK = 16 * 1024  # a slice of a reload on the event loop: about half a millisecond of parsing


class StoreError(Exception):
    """A store cannot be opened: unknown scheme, bad URI, or an unreadable or malformed file."""


class StoreKind(enum.Enum):
    FILE = "file"  # user:password
    DIGEST = "digest"  # user:realm:hex(MD5(user:realm:password))


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding in a password file; never carries a password or hash."""

    line: int  # 1-based
    message: str
    fatal: bool = True  # a fatal problem stops a store from loading the file; others are lint warnings


class CredentialStore(Protocol):
    """A CredentialLookup that knows where it came from and can reload itself."""

    @property
    def uri(self) -> str: ...
    @property
    def last_error(self) -> str | None: ...
    @property
    def secret_kinds(self) -> frozenset[SecretKind]: ...
    def cleartext(self, user: str) -> str | None: ...
    def digest_ha1(self, user: str, realm: str) -> bytes | None: ...
    def refresh(self) -> bool: ...


# --- Parsing (shared by the stores and by the linter) ---


def parse_password_file(
    text: str | bytes, kind: StoreKind, *, pause: float = 0.0, table: Callable[[], Table] = dict
) -> tuple[Table, list[Problem]]:
    """Entries and problems of a `file:` or `digest:` password file.

    `file:` entries map user -> password (split on the first ':'). `digest:` entries map "user:realm" (see
    `digest_key`) -> the 32 hex digits of H(user:realm:password). Lines starting with '#' and blank lines are
    skipped. A later line for the same user (and realm) wins, with a non-fatal problem. `table` makes the
    mapping to fill (a store uses a ShardedDict); `pause` is the rest in seconds between 64 KiB chunks.
    """
    return _run(parse_steps(text, kind, table=table), pause)


def parse_steps(
    text: str | bytes, kind: StoreKind, *, table: Callable[[], Table] = dict, chunk: int = _CHUNK
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


def _run(steps: Generator[None, None, _T], pause: float) -> _T:
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


# --- Stores ---


_CLEAR_KINDS = frozenset({SecretKind.CLEARTEXT})
_DIGEST_KINDS = frozenset({SecretKind.DIGEST_HA1})


class PasswordFileStore:
    """A `file:` or `digest:` store backed by one file on disk."""

    def __init__(self, uri: str, path: Path, kind: StoreKind) -> None:
        self._uri = uri
        self.path = path
        self.kind = kind
        self._entries: Table = {}
        self._signature: tuple[int, int, int] | None = None
        self._last_error: str | None = None
        if not self._load():
            raise StoreError(f"{uri}: {self._last_error}")

    @property
    def uri(self) -> str:
        return self._uri

    @property
    def last_error(self) -> str | None:
        return self._last_error

    @property
    def secret_kinds(self) -> frozenset[SecretKind]:
        return _CLEAR_KINDS if self.kind is StoreKind.FILE else _DIGEST_KINDS

    def __len__(self) -> int:
        return len(self._entries)

    def cleartext(self, user: str) -> str | None:
        if self.kind is not StoreKind.FILE:
            return None
        return self._entries.get(user)

    def digest_ha1(self, user: str, realm: str) -> bytes | None:
        if self.kind is not StoreKind.DIGEST or ":" in user:
            return None
        hex_hash = self._entries.get(digest_key(user, realm))
        return None if hex_hash is None else bytes.fromhex(hex_hash)

    def refresh(self) -> bool:
        """Reload when the file's (mtime, size, inode) changed; True when new contents are now served.
        Blocking, and resting between chunks: for a worker thread beside a serving loop."""
        read = self._read_if_changed()
        if read is None:
            return False
        return _run(self._install(read, reloading=True, threaded=True), _RELOAD_PAUSE)

    def refresh_steps(self) -> Generator[Step, object, bool]:
        """`refresh` for an event loop to drive: the stat and read are one blocking step, the parse and the
        freeing of the old table come in slices of about half a millisecond, so sessions keep flowing while
        a million users are read again. Abandoned half-way (the generator closed), it forgets the file's
        signature, so the next refresh reads the file again."""
        read = yield self._read_if_changed
        if read is None:
            return False
        done = False
        try:
            done = yield from self._install(read, reloading=True, chunk=_STEP_CHUNK)  # type: ignore[arg-type]
            return done
        finally:
            if not done and self._last_error is None:
                self._signature = None

    def _read_if_changed(self) -> bytes | None:
        try:
            st = os.stat(self.path)
        except OSError as exc:
            self._last_error = f"{self.path}: {exc.strerror}; keeping the last good contents"
            self._signature = None
            return None
        if (st.st_mtime_ns, st.st_size, st.st_ino) == self._signature:
            return None
        return self._read()

    def _read(self) -> bytes | None:
        try:
            with open(self.path, "rb") as handle:
                st = os.fstat(handle.fileno())
                data = handle.read()
        except OSError as exc:
            self._last_error = f"{self.path}: {exc.strerror}"
            self._signature = None
            return None
        # Remember what was read even when it is bad, so an unchanged broken file is not parsed again.
        self._signature = (st.st_mtime_ns, st.st_size, st.st_ino)
        return data

    def _load(self) -> bool:
        """The first load, before anything is served: the fastest way, in one go."""
        data = self._read()
        return data is not None and _run(self._install(data, reloading=False), 0.0)

    def _install(
        self, data: bytes, reloading: bool, chunk: int = _CHUNK, threaded: bool = False
    ) -> Generator[None, None, bool]:
        # A reload shares the interpreter with a serving event loop: it fills a sharded table (no long
        # resize) and gives way between chunks; the first load, before anything is served, takes a dict.
        table: Callable[[], Table] = ShardedDict if reloading else dict
        entries, problems = yield from parse_steps(data, self.kind, table=table, chunk=chunk)
        del data
        fatal = next((p for p in problems if p.fatal), None)
        if fatal is not None:
            self._last_error = f"{self.path}:{fatal.line}: {fatal.message}"
            return False
        # One assignment: readers see the old table or the new one, never a mix. It is then freed shard by
        # shard rather than in one 35 ms go (for a million users). Look-ups run on the event loop: driven by
        # the loop itself, no look-up can be half-way through the old table; from a worker thread, one can,
        # but it takes microseconds and never waits, so after a moment nobody reads the old table.
        old, self._entries = self._entries, entries
        self._last_error = None
        if reloading and len(old) > 4096:
            if threaded:
                time.sleep(0.1)
            yield from release_steps(old)
        return True


class MemoryStore:
    """A store held in memory (tests, and back-ends that fetch everything at once)."""

    def __init__(
        self,
        cleartext: Mapping[str, str] | None = None,
        digest: Mapping[tuple[str, str], bytes] | None = None,
        uri: str = "memory:",
    ) -> None:
        self._clear = dict(cleartext or {})
        self._digest = dict(digest or {})
        self._uri = uri
        kinds = set()
        if cleartext is not None:
            kinds.add(SecretKind.CLEARTEXT)
        if digest is not None:
            kinds.add(SecretKind.DIGEST_HA1)
        self._kinds = frozenset(kinds)

    @property
    def uri(self) -> str:
        return self._uri

    @property
    def last_error(self) -> str | None:
        return None

    @property
    def secret_kinds(self) -> frozenset[SecretKind]:
        return self._kinds

    def cleartext(self, user: str) -> str | None:
        return self._clear.get(user)

    def digest_ha1(self, user: str, realm: str) -> bytes | None:
        return self._digest.get((user, realm))

    def refresh(self) -> bool:
        return False


# --- Opening by URI ---


def uri_path(uri: str, base_dir: Path | None = None) -> Path:
    """The file a `scheme:` URI names: `scheme:///abs` or `scheme:/abs` is absolute, `scheme:rel` is
    relative to `base_dir` (the directory of the config file naming it; the working directory if None)."""
    _scheme, sep, rest = uri.partition(":")
    if not sep or not rest:
        raise StoreError(f"{uri}: not a store URI (expected scheme:path)")
    if rest.startswith("//"):
        host, slash, path = rest[2:].partition("/")
        if host not in ("", "localhost"):
            raise StoreError(f"{uri}: remote host {host!r} is not supported")
        if not slash or not path:
            raise StoreError(f"{uri}: no file path")
        return Path("/" + unquote(path))
    path = Path(unquote(rest))
    if path.is_absolute():
        return path
    return (base_dir if base_dir is not None else Path.cwd()) / path


def _file_factory(kind: StoreKind) -> Callable[[str, Path | None], CredentialStore]:
    def factory(uri: str, base_dir: Path | None) -> CredentialStore:
        return PasswordFileStore(uri, uri_path(uri, base_dir), kind)

    return factory


STORE_SCHEMES: dict[str, Callable[[str, Path | None], CredentialStore]] = {
    "file": _file_factory(StoreKind.FILE),
    "digest": _file_factory(StoreKind.DIGEST),
}


def uri_scheme(uri: str) -> str:
    """The lower-case scheme of a store URI ("" when there is none)."""
    scheme, sep, _ = uri.partition(":")
    return scheme.lower() if sep else ""


def open_store(uri: str, base_dir: Path | None = None) -> CredentialStore:
    """Open and load the store `uri` names; StoreError (naming the URI) when that cannot be done."""
    factory = STORE_SCHEMES.get(uri_scheme(uri))
    if factory is None:
        known = ", ".join(f"{name}:" for name in STORE_SCHEMES)
        raise StoreError(f"{uri}: unknown credential store scheme (this server knows {known})")
    return factory(uri, base_dir)
