"""E111 json-schema: a JSON config does not follow ecconf's JSON Schema.

JSON input is checked against the published schema (`ecconf schema`) before it is turned into config text:
typed values (booleans as true/false, numbers as numbers), known keys only (with a "did you mean" hint),
option names the config language can write, and no two entries the config would merge into one (two Listens
with the same address, two Peers with the same network). Each violation is reported at its JSON path.

Bad:
    {
      "esmtp_listener": {
        "listens": [ { "address": ":25", "enable": "yes", "smtp_extension": [ "AUTH PLAIN" ] } ]
      }
    }

Good:
    {
      "esmtp_listener": {
        "listens": [ { "address": ":25", "enable": true, "smtp_extensions": [ "AUTH PLAIN" ] } ]
      }
    }
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .base import passthrough

CODE = "E111"
SUMMARY = "JSON does not follow the schema"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    yield from passthrough(sys.modules[__name__], ctx)
