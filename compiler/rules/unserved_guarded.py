"""S507 unserved-guarded-option: an option that decides who may connect, relay or authenticate, or how TLS
peers are verified, which `ecconf serve` does not apply.

ecconf lints the whole of Momentum's vocabulary, but its own server applies only part of it. For most
options that is harmless (serve simply does not do what the option asks, and names each at start-up), but
for these it is not: a Momentum config that narrows relaying with Relay_Domains, or demands client
certificates with TLS_Verify_Mode, would under `ecconf serve` be wider open than its author meant. So
serve refuses to start with one of them set unless started with `--allow-unserved NAME`, and lint warns
here so that CI sees it first. A warning, not an error: the config is right for Momentum itself, which is
what most linted configs are for. The list is compiler/data/serve_guarded.tsv.

Bad:
    ESMTP_Listener {
      Listen ":25" {
        TLS_Verify_Mode = "require"
      }
    }

Good:
    ESMTP_Listener {
      Listen ":25" {
        Relay_Hosts = ( "192.0.2.0/24" )
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..serve_coverage import unserved

CODE = "S507"
SUMMARY = "an option about access or TLS verification that ecconf serve does not apply"
DEFAULT_SEVERITY = Severity.WARNING


def option_of(d: Diagnostic) -> str:
    """The lower-case option name an S507 finding is about (serve's --allow-unserved matches it)."""
    return d.message.removeprefix(_PREFIX).split(" (", 1)[0].lower()


_PREFIX = "ecconf serve does not apply "


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    for item in unserved(ctx.loaded):
        if item.guarded is None:
            continue
        yield Diagnostic(
            CODE,
            f"{_PREFIX}{item.name} ({item.guarded}), and refuses to start with it set",
            item.span,
            hint=f"for ecconf serve, enforce it another way and start with --allow-unserved {item.name.lower()}; "
            "Momentum itself applies it",
        )
