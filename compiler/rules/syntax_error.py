"""E100 syntax-error: the text does not follow the configuration language.

The message says what was found and what was expected; for a scope, array or dictionary that is never
closed it also points at where it was opened.

Bad:
    ESMTP_Listener {
      Listen ":25" {
        SMTP_Extensions = ( "AUTH PLAIN" )
    }

Good:
    ESMTP_Listener {
      Listen ":25" {
        SMTP_Extensions = ( "AUTH PLAIN" )
      }
    }
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .base import passthrough

CODE = "E100"
SUMMARY = "syntax error"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    yield from passthrough(sys.modules[__name__], ctx)
