"""E110 json-invalid: a JSON config is not valid JSON (or writes a key twice in one object).

JSON input is read with a strict JSON reader; the message names the JSON path being read where the text goes
wrong, and the position is the reader's line and column. A key written twice in one object is refused too:
JSON readers disagree on which of the two wins.

Bad:
    {
      "esmtp_listener": {
        "listens": [ { "address": ":25" } { "address": ":587" } ]
      }
    }

Good:
    {
      "esmtp_listener": {
        "listens": [ { "address": ":25" }, { "address": ":587" } ]
      }
    }
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .base import passthrough

CODE = "E110"
SUMMARY = "invalid JSON"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    yield from passthrough(sys.modules[__name__], ctx)
