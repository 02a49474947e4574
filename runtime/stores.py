"""Credential stores named by URI: `file:` (user:password in clear) and `digest:` (htdigest user:realm:hex).

Rule of this room: a store is an in-memory dict built from its file, swapped whole on reload, so lookups are
O(1) and never see a half-loaded file; `refresh()` costs one stat() when nothing changed, and a file that goes
missing or turns malformed leaves the last good contents in place (with `last_error` saying why).

A reload never takes a half-written file either (a file rewritten in place: truncated, then written). What
was read counts only when the file did not change while it was read (the same inode, size and mtime before
and after, and as many bytes as its size), and when it looks complete: not empty, its last line ended by a
newline, and — changed in place, on the inode of the last good contents — not shorter than those. A file
that fails the second test is taken only once it has been left alone for SETTLE seconds (its mtime that old,
or the same file seen that long ago): a writer half-way is still writing, while a file left empty, shorter,
or without its last newline is meant that way, and takes effect a moment later. Until then the old contents
answer, and every refresh looks again. A file replaced by rename (new inode, as the passwd tool writes) may
shrink at once: a rename is atomic.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote

from .password_file import (
    CHUNK,
    Problem,
    StoreKind,
    Table,
    digest_key,
    parse_password_file,
    parse_steps,
    run_steps,
    split_digest_key,
)
from .password_hashes import Stored, is_costly, stored_form
from .sasl.base import SecretKind
from .sharded import ShardedDict, release_steps

# What each AUTH asks of a file: store's value: parsed once per value (a pure function, its result immutable)
# for the users who log in often; a load or reload parses through stored_form itself, not through this.
_stored_form = functools.lru_cache(maxsize=4096)(stored_form)

# The password-file names other modules import from here (the format lives in password_file.py).
__all__ = [
    "CredentialStore",
    "MemoryStore",
    "PasswordFileStore",
    "Problem",
    "Step",
    "StoreError",
    "StoreKind",
    "digest_key",
    "open_store",
    "parse_password_file",
    "parse_steps",
    "split_digest_key",
    "uri_path",
    "uri_scheme",
]

_RELOAD_PAUSE = 0.001  # seconds a reload rests between chunks of a password file (and to free the old one)
# One step of a reload driven by an event loop: a blocking call to make off the loop (its result is sent
# back), or None: "let the loop serve its sessions, then carry on".
Step = Callable[[], object] | None
_STEP_CHUNK = 16 * 1024  # a slice of a reload on the event loop: about half a millisecond of parsing
# Seconds a password file that looks incomplete must stay untouched before it is believed (see above).
SETTLE = 1.0
Signature = tuple[int, int, int]  # (mtime_ns, size, inode)


class StoreError(Exception):
    """A store cannot be opened: unknown scheme, bad URI, or an unreadable or malformed file."""


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


# --- Stores ---


# A `file:` store may hold `{SCHEME}hash` lines beside clear ones: it serves mechanisms needing clear text
# for its clear users, and PLAIN/LOGIN for all (password_hashes.stored_form tells the two apart per user).
_CLEAR_KINDS = frozenset({SecretKind.CLEARTEXT, SecretKind.HASHED})
_DIGEST_KINDS = frozenset({SecretKind.DIGEST_HA1})


class PasswordFileStore:
    """A `file:` or `digest:` store backed by one file on disk."""

    def __init__(self, uri: str, path: Path, kind: StoreKind) -> None:
        self._uri = uri
        self.path = path
        self.kind = kind
        self._entries: Table = {}
        self._signature: Signature | None = None  # of the last file read (installed, or found broken)
        self._pending: Signature | None = None  # of the file being installed
        self._good: Signature | None = None  # of the contents being served
        self._unsettled: tuple[Signature, float] | None = None  # an incomplete-looking file, first seen when
        self._last_error: str | None = None
        self._dummy: Stored | None = None  # see dummy_hash
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
        value = self._entries.get(user)
        if value is None:
            return None
        form = _stored_form(value)
        return form.value if form.scheme == "clear" else None  # a hash is never anyone's password

    def hashed(self, user: str) -> Stored | None:
        if self.kind is not StoreKind.FILE:
            return None
        value = self._entries.get(user)
        return None if value is None else _stored_form(value)

    def dummy_hash(self) -> Stored:
        """One of the served hashes (the costliest kind there is), found once per contents: an unknown user
        is checked against it and always fails, at the price a known user pays."""
        if self._dummy is None:
            self._dummy = _costliest(self._entries.values())
        return self._dummy

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
        return run_steps(self._install(read, reloading=True, threaded=True), _RELOAD_PAUSE)

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
        if _signature(st) == self._signature:
            return None
        return self._read()

    def _read(self) -> bytes | None:
        """The file's bytes when they can be believed (see the module's header); None keeps the old ones."""
        try:
            with open(self.path, "rb") as handle:
                before = _signature(os.fstat(handle.fileno()))
                data = handle.read()
                after = _signature(os.fstat(handle.fileno()))
            named = _signature(os.stat(self.path))
        except OSError as exc:
            self._last_error = f"{self.path}: {exc.strerror}"
            self._signature = None
            return None
        if not before == after == named or len(data) != after[1]:
            self._last_error = f"{self.path}: changed while being read; keeping the last good contents"
            self._signature = None  # look again next time
            return None
        if self._good is not None and not self._complete(data, after):
            self._last_error = f"{self.path}: looks half-written; keeping the last good contents a moment"
            self._signature = None
            return None
        # Remember what was read even when it is bad, so an unchanged broken file is not parsed again.
        self._signature = self._pending = after
        self._unsettled = None
        return data

    def _complete(self, data: bytes, sig: Signature) -> bool:
        """Whether a changed file looks whole, or has been left alone long enough to be taken as it is."""
        good = self._good
        shrunk = good is not None and sig[2] == good[2] and sig[1] < good[1]
        if data and data.endswith(b"\n") and not shrunk:
            return True
        if time.time() - sig[0] / 1e9 >= SETTLE:
            return True
        now = time.monotonic()
        if self._unsettled is None or self._unsettled[0] != sig:
            self._unsettled = (sig, now)
        return now - self._unsettled[1] >= SETTLE

    def _load(self) -> bool:
        """The first load, before anything is served: the fastest way, in one go."""
        data = self._read()
        return data is not None and run_steps(self._install(data, reloading=False), 0.0)

    def _install(
        self, data: bytes, reloading: bool, chunk: int = CHUNK, threaded: bool = False
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
        self._dummy = None  # found again in the new contents, when first needed
        self._good = self._pending
        self._last_error = None
        if reloading and len(old) > 4096:
            if threaded:
                time.sleep(0.1)
            yield from release_steps(old)
        return True


def _signature(st: os.stat_result) -> Signature:
    return (st.st_mtime_ns, st.st_size, st.st_ino)


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


def _costliest(values: Iterable[str]) -> Stored:
    """The first costly stored hash among `values`, else the first hash, else a clear-text dummy."""
    first: Stored | None = None
    for value in values:
        if value.startswith("{"):
            form = stored_form(value)
            if is_costly(form):
                return form
            if first is None and form.scheme != "clear":
                first = form
    return first or Stored("clear", "\x00unknown-user\x00")


# --- Opening by URI ---


def uri_path(uri: str, base_dir: Path | None = None) -> Path:
    """The file a `scheme:` URI names: `scheme:///abs` or `scheme:/abs` is absolute, `scheme:rel` is
    relative to `base_dir` (the directory of the config file naming it; the working directory if None)."""
    _scheme, sep, rest = uri.partition(":")
    if not sep or not rest:
        raise StoreError(f"{uri}: not a store URI (expected scheme:path)")
    if rest.startswith("//"):
        host, slash, absolute = rest[2:].partition("/")
        if host not in ("", "localhost"):
            raise StoreError(f"{uri}: remote host {host!r} is not supported")
        if not slash or not absolute:
            raise StoreError(f"{uri}: no file path")
        return Path("/" + unquote(absolute))
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
