"""E101 unreadable-file: a file cannot be read or is not UTF-8.

A configuration file, or a file it includes, cannot be read: it does not exist, it is not a regular file,
permission is denied, or its bytes are not UTF-8. Nothing in such a file is checked, so every other finding
is incomplete until it is fixed. The hint names the fix (for encodings: save the file as UTF-8).

Bad:
    # /dev/null is a device, not a configuration file
    include "/dev/null"

Good:
    # include only regular files
    Hostname = "mx.example.com"
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .base import passthrough

CODE = "E101"
SUMMARY = "a file cannot be read or is not UTF-8"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Found while reading and including files; this rule only gives the finding its code and severity.
    yield from passthrough(sys.modules[__name__], ctx)
