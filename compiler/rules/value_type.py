"""E301 value-type: a value does not have the type its option takes.

Booleans, numbers, lists and dictionaries each have their spellings: booleans are true/false, yes/no,
on/off, enabled/disabled or 1/0; numbers are whole decimal numbers (quoted or not); `Auth*Parameters` take
a dictionary `[ ... ]`; options such as `Open_Relay` take a single value, not an array. A value that does not
fit is left unset, so the option falls back to the next level (or its default).

Bad:
    ESMTP_Listener {
      Listen ":25" {
        Open_Relay = maybe
        Idle_Time = "five minutes"
        AuthPlainParameters = "file:///etc/passwords"
      }
    }

Good:
    ESMTP_Listener {
      Listen ":25" {
        Open_Relay = false
        Idle_Time = 300
        AuthPlainParameters = [ uri = "file:///etc/passwords" ]
      }
    }
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .base import passthrough

CODE = "E301"
SUMMARY = "a value does not have the type its option takes"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Found while building the model; this rule only gives the finding its code and severity.
    yield from passthrough(sys.modules[__name__], ctx)
