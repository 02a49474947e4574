"""A410 auth-log-without-acctlog: log_authentication is on but no ec_logger has an acctlog.

`log_authentication = true` writes one accounting line per AUTH event, but only into the `acctlog` of an
ec_logger module. Without one the setting does nothing and no AUTH event is recorded.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" )
        AuthPlainParameters = [ uri = "file:passwords/clear.txt" log_authentication = true ]
      }
    }

Good:
    ec_logger "default" {
      acctlog = "/var/log/ecelerity/acctlog"
    }
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" )
        AuthPlainParameters = [ uri = "file:passwords/clear.txt" log_authentication = true ]
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .auth_offers import PARAMETER_NAMES

CODE = "A410"
SUMMARY = "log_authentication without an ec_logger acctlog"
DEFAULT_SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    if any(logger.acctlog for logger in ctx.config.ec_loggers):
        return
    for auth in ctx.facts.auth_dicts:
        span = auth.params.span_of("log_authentication")
        if not auth.params.log_authentication or span is None:
            continue
        yield Diagnostic(
            CODE,
            f"log_authentication is on in {PARAMETER_NAMES[auth.mechanism]}, but no ec_logger has an acctlog,"
            " so no AUTH event is written anywhere",
            span,
            hint='add ec_logger "default" { acctlog = "/var/log/ecelerity/acctlog" }',
        )
