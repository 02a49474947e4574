"""E102 include-missing: an included file or directory does not exist.

An `include` or `readonly_include` names a path that does not exist. A relative path is looked up in the
including file's directory first, then in the working directory; the hint says where it looked. Momentum
refuses to start with a missing include.

Bad:
    include "listeners-missing.conf"

Good:
    # include a file that exists, or remove the include
    Hostname = "mx.example.com"
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .base import passthrough

CODE = "E102"
SUMMARY = "an included file or directory does not exist"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Found while reading and including files; this rule only gives the finding its code and severity.
    yield from passthrough(sys.modules[__name__], ctx)
