"""E303 duplicate-listen: two Listen scopes bind the same socket under different spellings.

A Listen maps to exactly one socket. Two Listen scopes written with the same address are one scope by
design (they merge, like a file and its include adding to the same Listen). But `":25"`, `"*:25"` and
`"0.0.0.0:25"` all mean every IPv4 address on port 25, and `"[::0]:25"` is `"[::]:25"`: written differently,
they stay separate scopes with separate settings, and the second cannot bind. The fix is to write the address
one way, so that the scopes merge, or to give each Listen its own port.

Bad:
    ESMTP_Listener {
      Listen ":25" { Idle_Time = 300 }
      Listen "0.0.0.0:25" { Idle_Time = 60 }
    }

Good:
    ESMTP_Listener {
      Listen ":25" { Idle_Time = 300 }
      Listen ":25" { Max_Message_Size = 10485760 }
      Listen "127.0.0.1:587" { Idle_Time = 60 }
    }
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Related, Severity
from ..models import Listen
from ..nodes import Scope
from ..runtime_facts import ListenAddress

CODE = "E303"
SUMMARY = "two Listen scopes bind the same socket"
DEFAULT_SEVERITY = Severity.ERROR


def _socket(address: ListenAddress) -> tuple[str, str, int, str]:
    # Unix socket paths name the same file however they are spelled ("/tmp//x", "/tmp/./x").
    if address.kind == "unix":
        return ("unix", "", 0, posixpath.normpath(address.path))
    return address.key


def _describe(address: ListenAddress) -> str:
    if address.kind == "unix":
        return f"the Unix socket {posixpath.normpath(address.path)}"
    host = f"[{address.host}]" if ":" in address.host else address.host
    return f"{host}:{address.port}"


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    first: dict[tuple[str, str, int, str], tuple[Listen, Scope]] = {}
    for listen, address, scope in ctx.facts.listens:
        if address is None or scope.instance is None:
            continue  # an address that cannot be read is E302's
        earlier = first.setdefault(_socket(address), (listen, scope))
        if earlier[0] is listen:
            continue  # the same written address: the scopes merged, which is how it should be
        earlier_scope = earlier[1]
        assert earlier_scope.instance is not None
        yield Diagnostic(
            CODE,
            f"Listen {listen.address!r} binds the same socket ({_describe(address)}) as Listen {earlier[0].address!r}",
            scope.instance.span,
            hint=f"write the address as {earlier[0].address!r} so the two scopes merge, or use another port",
            related=(Related(earlier_scope.instance.span, "first bound here"),),
        )
