"""Momentum's accounting-log lines for AUTH events (SPEC §4).

Rule of this room: one event, one line: `<unix time>@N@<listener>@<client ip:port>@<user>@<1|0>`, with `T`
instead of `N` for a timeout. An attempt the credential store could not answer (454 4.7.0: auth_status
`error`) is not a success, so it is `0` like any other; a seventh field `error` says why, the way Momentum's
own authorization (`Z`) lines carry their extra facts after the status, so readers of the six documented
fields read it unchanged and the wrong passwords can still be told from the database outages. Inside a
field `\\` becomes `\\\\`, `@` becomes `\\@` and a control character becomes `\\xNN`, so a field can
never split a line or shift the columns. Writing is one O_APPEND write per line, which keeps lines whole
when several threads or processes share the file.
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


def append(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8", "replace"))
    finally:
        os.close(fd)
