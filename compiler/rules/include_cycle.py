"""E103 include-cycle: a file includes itself, directly or through other includes.

An include that leads back to a file that is already being read would never end. The diagnostic sits on
the include statement that closes the loop. Including the configuration's own directory is the usual way to
get there by accident: the directory contains the including file.

Bad:
    # includes every file in this file's directory -- this file too
    include "."

Good:
    # include a sub-directory that holds only the included files
    Hostname = "mx.example.com"
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .base import passthrough

CODE = "E103"
SUMMARY = "a file includes itself, directly or through other includes"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Found while reading and including files; this rule only gives the finding its code and severity.
    yield from passthrough(sys.modules[__name__], ctx)
