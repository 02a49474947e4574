"""Momentum's accounting-log lines for AUTH events (SPEC §4).

Rule of this room: one event, one line: `<unix time>@N@<listener>@<client ip:port>@<user>@<1|0>`, with `T`
instead of `N` for a timeout. An attempt the credential store could not answer (454 4.7.0: auth_status
`error`) is not a success, so it is `0` like any other; a seventh field `error` says why, the way Momentum's
own authorization (`Z`) lines carry their extra facts after the status, so readers of the six documented
fields read it unchanged and the wrong passwords can still be told from the database outages. Inside a
field `\\` becomes `\\\\`, `@` becomes `\\@` and a control character becomes `\\xNN`, so a field can
never split a line or shift the columns. Writing is one O_APPEND write per batch of lines, which keeps
lines whole when several threads or processes share the file. `Appender` keeps each file open between
batches and opens it again when its path no longer names the open file (rotated away or removed), so
every batch goes to the file the path names when it is written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_SPECIAL = re.compile(r"[\\@\x00-\x1f\x7f-\x9f\u2028\u2029]")  # all splitlines() breaks on


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch in "\\@":
        return "\\" + ch
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def escape(field: str) -> str:
    if field.isprintable() and "@" not in field and "\\" not in field:  # the usual field: nothing to escape
        return field
    return _SPECIAL.sub(_escape_char, field)


def client_field(ip: str, port: int) -> str:
    """`ip:port`, with IPv6 addresses in brackets so the port stays readable; Unix clients are `local`."""
    if not ip:
        return "local"
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def format_line(
    when: float, listener: str, client: str, user: str, success: bool, timeout: bool = False, error: bool = False
) -> str:
    """`error`: the store could not answer (auth_status error); it adds the trailing `@error` field."""
    kind = "T" if timeout else "N"
    fields = [str(int(when)), kind, escape(listener), escape(client), escape(user), "1" if success else "0"]
    if error and not success:
        fields.append("error")
    return "@".join(fields) + "\n"


_OPEN = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


class Appender:
    """Appends to accounting logs through descriptors kept open; used by one thread at a time (the disk
    thread). A stat of the path per write is half the cost of an open and a close, and tells a rotation."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[int, int, int]] = {}  # path -> (fd, st_dev, st_ino)

    def append(self, path: Path | str, text: str) -> None:
        key = os.fspath(path)
        data = text.encode("utf-8", "replace")
        held = self._open.get(key)
        if held is not None:
            fd, dev, ino = held
            try:
                now = os.stat(key)
                current = now.st_dev == dev and now.st_ino == ino
            except OSError:  # removed: a new file takes its place
                current = False
            if not current:
                self._drop(key)
                held = None
        if held is None:
            fd = os.open(key, _OPEN, 0o640)
            try:
                opened = os.fstat(fd)
            except OSError:
                os.close(fd)
                raise
            self._open[key] = (fd, opened.st_dev, opened.st_ino)
        try:
            _write_all(self._open[key][0], data)
        except OSError:  # a disk error: the next batch tries a fresh descriptor
            self._drop(key)
            raise

    def close(self) -> None:
        for key in list(self._open):
            self._drop(key)

    def _drop(self, key: str) -> None:
        fd = self._open.pop(key)[0]
        try:
            os.close(fd)
        except OSError:  # closing a descriptor whose writes failed may fail too; it is closed either way
            pass


def _write_all(fd: int, data: bytes) -> None:
    # A regular file takes the whole write unless the disk fills mid-way; then the rest raises ENOSPC.
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
