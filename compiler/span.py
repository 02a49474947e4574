"""Where a thing sits in the source: file, line and column (1-based; end column exclusive, as lark counts).

Rule of this room: spans are plain values; only render.py turns them into text for people.
"""

from __future__ import annotations

from dataclasses import dataclass


# A value, never changed once made; hashable (spans are dictionary keys). Not `frozen=True` on purpose: the
# parser makes one per token, and a frozen dataclass's __init__ (object.__setattr__ per field) costs about
# four times a plain one's.
@dataclass(slots=True, unsafe_hash=True)
class Span:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    def to(self, other: Span) -> Span:
        """The span from the start of self to the end of other (same file)."""
        return Span(self.path, self.line, self.column, other.end_line, other.end_column)

    def sort_key(self) -> tuple[str, int, int]:
        return (self.path, self.line, self.column)


def whole_file(path: str) -> Span:
    """A span for problems that belong to a file as a whole (unreadable, wrong encoding...)."""
    return Span(path, 1, 1, 1, 1)
