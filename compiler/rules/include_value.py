"""E104 include-value: include needs exactly one file or directory name.

`include` and `readonly_include` take one path: a quoted string or a bare word. An array, a dictionary or
an empty string names nothing to read.

Bad:
    include ( "a.conf" "b.conf" )

Good:
    # one include per file, or include their directory
    Hostname = "mx.example.com"
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .base import passthrough

CODE = "E104"
SUMMARY = "include needs exactly one file or directory name"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Found while reading and including files; this rule only gives the finding its code and severity.
    yield from passthrough(sys.modules[__name__], ctx)
