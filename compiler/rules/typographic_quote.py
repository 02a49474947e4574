"""E105 typographic-quote: a typographic quote (“ ”) where a straight double quote was meant.

Text copied from a web page or a word processor often carries “curly” quotes. They delimit nothing in
this language: `“gold.example.com”` is a bare word with the quotes in it, so the domain is named with them
and never matches; a closing `”` does not close a string, which runs on to the next straight quote, so
`("bc:10” "bc:24”)` holds the two values `bc:10” ` and `bc:24”`. Momentum reads such a file without a
complaint and means something else than what it shows, so this is a warning at the quote itself (where
the quotes leave the file unreadable, the syntax error E100 points at the first one instead). Typographic
quotes that pair up inside a straight-quoted string (`"say “hello”"`) are text, and left alone.

Bad:
    Domain “gold.example.com” {
      adaptive_sweep_rule "bounces" { codes = ("bc:10” "bc:24”) }
    }

Good:
    Domain "gold.example.com" {
      adaptive_sweep_rule "bounces" { codes = ("bc:10" "bc:24") }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..nodes import Array, Dict, Include, Option, Scalar, Statement, Value
from ..span import Span

CODE = "E105"
SUMMARY = "a typographic quote where a straight double quote was meant"
DEFAULT_SEVERITY = Severity.WARNING

QUOTES = frozenset("“”„‟″")


def _scalars(body: list[Statement], out: list[Scalar]) -> list[Scalar]:
    for statement in body:
        if isinstance(statement, Include):
            for included in statement.files:
                _scalars(included.body, out)
        elif isinstance(statement, Option):
            _values(statement.value, out)
        else:
            if statement.instance is not None:
                out.append(statement.instance)
            _scalars(statement.body, out)
    return out


def _values(value: Value, out: list[Scalar]) -> None:
    if isinstance(value, Scalar):
        out.append(value)
    elif isinstance(value, Array):
        for item in value.items:
            _values(item, out)
    elif isinstance(value, Dict):
        for entry in value.entries:
            _values(entry.value, out)


def _suspect(scalar: Scalar) -> bool:
    if not QUOTES.intersection(scalar.value):
        return False
    if not scalar.quoted:
        return True  # a bare word never holds a quote on purpose
    # Paired ones are text (“this” or „this“); a lone one was meant to open or close the string.
    return sum(scalar.value.count(q) for q in QUOTES) % 2 == 1


class _Positions:
    """Line starts of one source text, to turn a span into an offset and an offset back into a place."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        start = text.find("\n")
        while start >= 0:
            self.starts.append(start + 1)
            start = text.find("\n", start + 1)

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column - 1 if 0 < line <= len(self.starts) else len(self.text)

    def place(self, offset: int) -> tuple[int, int]:
        low, high = 0, len(self.starts) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self.starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low + 1, offset - self.starts[low] + 1


def _finding(scalar: Scalar, positions: _Positions) -> Diagnostic:
    span = scalar.span
    start = positions.offset(span.line, span.column)
    end = positions.offset(span.end_line, span.end_column)
    where = next((i for i in range(start, end) if positions.text[i] in QUOTES), start)
    quote = positions.text[where] if where < len(positions.text) else "”"
    line, column = positions.place(where)
    if scalar.quoted:
        message = (
            f"typographic quote U+{ord(quote):04X} ({quote}) inside a string: it does not close the string,"
            " which runs on to the next straight quote"
        )
        hint = 'write a straight double quote (") in its place'
    else:
        message = f"typographic quote U+{ord(quote):04X} ({quote}) in a bare word: it is part of the word, not a quote"
        fixed = "".join(c for c in scalar.value if c not in QUOTES)
        hint = f'write straight double quotes: "{fixed}"'
    return Diagnostic(CODE, message, Span(span.path, line, column, line, column + 1), hint=hint)


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Most configs hold no typographic quote at all: one scan of each text, and no walk.
    texts = {path: text for path, text in ctx.loaded.texts.items() if any(q in text for q in QUOTES)}
    if not texts or ctx.loaded.root is None:
        return
    positions = {path: _Positions(text) for path, text in texts.items()}
    for scalar in _scalars(ctx.loaded.root.body, []):
        if scalar.span.path in positions and _suspect(scalar):
            yield _finding(scalar, positions[scalar.span.path])
