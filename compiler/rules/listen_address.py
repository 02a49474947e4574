"""E302 listen-address: a Listen address is not host:port or a socket path.

A `Listen` binds one socket: `":25"` or `"*:25"` (every IPv4 address), `"127.0.0.1:25"`, `"[::1]:587"`
(IPv6 in brackets) or an absolute Unix socket path such as `"/tmp/2025"`. An address without a port, an IPv6
address without brackets, a port above 65535 or a host that is not an IP address is refused.

Bad:
    ESMTP_Listener {
      Listen "mail.example.com" { }
      Listen "::1:587" { }
    }

Good:
    ESMTP_Listener {
      Listen ":25" { }
      Listen "[::1]:587" { }
    }
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .base import passthrough

CODE = "E302"
SUMMARY = "a Listen address is not host:port or a socket path"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Found while building the model; this rule only gives the finding its code and severity.
    yield from passthrough(sys.modules[__name__], ctx)
