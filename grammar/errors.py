"""What the grammar package raises: a syntax error already told in the config's own terms, or nesting too deep.

Rule of this room: plain exceptions with positions, importable without lark (a valid config never needs
lark's exception classes, and a linter that starts fast should not load them).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Opened:
    """An open bracket that was never closed."""

    line: int
    column: int
    what: str  # "scope", "dictionary", "array"
    closer: str


# Not frozen: Python itself sets an exception's __traceback__ (and `raise ... from`, contextlib, its
# __cause__ and __context__) as it travels, which a frozen dataclass refuses.
@dataclass
class GrammarError(Exception):
    message: str
    line: int
    column: int
    hint: str = ""
    opened: Opened | None = None
    # Where the parser itself stopped (line, column), when the message points at an earlier cause.
    stopped: tuple[int, int] | None = None

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


class NestingTooDeep(Exception):
    """An opening bracket at `line`:`column` would nest deeper than `limit` levels."""

    def __init__(self, line: int, column: int, limit: int) -> None:
        super().__init__(f"{line}:{column}: nesting deeper than {limit} levels")
        self.line = line
        self.column = column
        self.limit = limit
