"""E304 bad-cidr: a Peer or Relay_Hosts entry is not an IP network.

`Peer` scopes and `Relay_Hosts` entries take an IP address or CIDR network (`10.0.0.0/8`,
`2001:db8::/32`, `192.0.2.7`). Host names and ranges are not understood; an entry that cannot be read is
ignored, so the clients it meant get the less specific settings.

Bad:
    ESMTP_Listener {
      Relay_Hosts = ( "127.0.0.0/8" "intranet.example.com" )
      Peer "10.0.0.0-10.255.255.255" { Open_Relay = false }
    }

Good:
    ESMTP_Listener {
      Relay_Hosts = ( "127.0.0.0/8" "192.0.2.0/24" )
      Peer "10.0.0.0/8" { Open_Relay = false }
    }
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .base import passthrough

CODE = "E304"
SUMMARY = "a Peer or Relay_Hosts entry is not an IP network"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Found while building the model; this rule only gives the finding its code and severity.
    yield from passthrough(sys.modules[__name__], ctx)
