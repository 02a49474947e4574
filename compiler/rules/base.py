"""What a rule module provides, and small helpers rules share.

A rule module has CODE (a letter and three digits), SUMMARY (one line), DEFAULT_SEVERITY, and
check(ctx) -> Iterator[Diagnostic]; its docstring documents it with a failing and a passing example
(`Bad:` and `Good:` blocks). Rules never set severity: the checker stamps it from DEFAULT_SEVERITY or
the user's configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Protocol

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity


class RuleModule(Protocol):
    CODE: str
    SUMMARY: str
    DEFAULT_SEVERITY: Severity

    def check(self, ctx: CheckContext) -> Iterator[Diagnostic]: ...


def passthrough(module: ModuleType, ctx: CheckContext) -> Iterator[Diagnostic]:
    """For rules whose problems are found while loading or building: yield those with the rule's code."""
    yield from ctx.problems(module.CODE)
