"""E206 ecconf-option: an option that only ecconf knows (one of its server limits or settings).

ecconf's server has limits Momentum does not document — AUTH failures per session and per client address,
bad commands, DATA deadlines, the banner delay, bare-LF handling, connections per client address, whether
PLAIN/LOGIN wait for TLS (Auth_Require_TLS), whether an authenticated sender must use its own address
(Auth_Sender_Match), which proxies may send a PROXY header (Proxy_Protocol_Trusted),
and (global) the memory budget for message content, the networks the AUTH penalty leaves alone
(Auth_Penalty_Exempt) and the Redis server that shares the penalty between servers (Auth_Penalty_Redis)
(README, "Security"). They are valid here and the listener ones take part in the fallback like any listener
option, but Momentum would refuse them: keep them out of configs that a Momentum server also reads.

Bad:
    ESMTP_Listener {
      Max_Auth_Failures = 5
      Listen ":25" { }
    }

Good:
    ESMTP_Listener {
      Idle_Time = 120
      Listen ":25" { }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..build import ECCONF_GLOBALS, ECCONF_LIMITS, ECCONF_NETWORK_LISTS
from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity

CODE = "E206"
SUMMARY = "an option only ecconf knows (a server limit or setting); Momentum would refuse it"
DEFAULT_SEVERITY = Severity.INFO


_WHERE = {
    **{name: ("esmtp_listener", "listen", "peer") for name in (*ECCONF_LIMITS, *ECCONF_NETWORK_LISTS)},
    **{name: ("global",) for name in ECCONF_GLOBALS},
}


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    for name, scopes in _WHERE.items():
        for assignment in ctx.assignments(name):
            if assignment.scope_kind not in scopes:
                continue
            yield Diagnostic(
                CODE,
                f"{assignment.option.name} is an ecconf extension: ecconf serve applies it, Momentum does not know it",
                assignment.option.name_span,
                hint="keep it out of configs that a Momentum server also reads",
            )
