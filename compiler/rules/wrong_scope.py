"""E202 wrong-scope: a documented option or scope used in a scope where Momentum does not allow it.

Every documented name has the scopes it is valid in: `Hostname` is global only, `Listen` belongs in
ESMTP_Listener (not at the top level, not inside another Listen), `Peer` in ESMTP_Listener or Listen (not
inside another Peer). Momentum refuses such a file at start-up; ecconf's engine would ignore the setting, so
the value you meant never takes effect. The message lists where the name is valid. Checked in the global
scope, ESMTP_Listener, Listen and Peer; what is inside scopes ecconf does not interpret is left alone.

Bad:
    ESMTP_Listener {
      Listen ":25" {
        Hostname = "mx.example.com"
        Peer "10.0.0.0/8" {
          Peer "10.1.0.0/16" { Idle_Time = 60 }
        }
      }
    }

Good:
    Hostname = "mx.example.com"
    ESMTP_Listener {
      Listen ":25" {
        Peer "10.0.0.0/8" { }
        Peer "10.1.0.0/16" { Idle_Time = 60 }
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .unknown_name import WRONG_SCOPE, findings

CODE = WRONG_SCOPE
SUMMARY = "a documented option or scope used in a scope where it is not valid"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # unknown_name asks the table where each name is valid once; the misplaced ones are this rule's.
    yield from (d for d in findings(ctx) if d.code == CODE)
