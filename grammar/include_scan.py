"""The values written after `include` in a text, found from its tokens alone: no parse.

Rule of this room: a quick and generous reading, for telling which files of a project may include which; it
decides nothing alone (a file it names is loaded and parsed properly before its include counts). The text is
cut into tokens by the grammar's own scanner (scanner.py: one `findall` in C), so a comment or a string that
holds the word `include` is one token and never read as an include. Every `include` or `readonly_include`
word followed by a string or a word is reported wherever it stands: a few too many at worst (`Name =
include "x"` is no include), never one too few of those the parser accepts. A text that does not parse is
still scanned: what it would include is a guess, and the loader has the last word.
"""

from __future__ import annotations

from functools import lru_cache

from .parser import get_compiled
from .scanner import Scanner, scanner_for
from .terms import COMMENT_TERMINALS, INCLUDE_TERMINAL, SCALAR_TERMINALS


@lru_cache(maxsize=1)
def _scanner() -> Scanner:
    return scanner_for(get_compiled(), frozenset(COMMENT_TERMINALS))


def include_values(text: str) -> list[tuple[str, str]]:
    """(terminal, token text) of each value that follows an include keyword, in order; a string keeps its
    quotes and escapes, as written."""
    scanner = _scanner()
    keyword = scanner.keywords[INCLUDE_TERMINAL]
    if "include" not in text.lower():  # most files include nothing: one pass in C says so, no token loop
        return []
    comments = frozenset(COMMENT_TERMINALS)
    found: list[tuple[str, str]] = []
    after_keyword = False
    pos = 0
    for blank, value, other in scanner.pairs.findall(text):
        start = pos + len(blank)
        pos = start + len(value) + len(other)
        if not value:
            after_keyword = False  # a character no terminal matches: not a value
            continue
        kind = scanner.kind_by_first.get(value[0])
        if kind is None:
            matched = scanner.exact.match(text, start)
            kind = scanner.names[matched.lastindex] if matched and matched.lastindex else ""
        if kind in comments:
            continue
        if after_keyword and kind in SCALAR_TERMINALS:
            found.append((kind, value))
        after_keyword = kind in SCALAR_TERMINALS and keyword.fullmatch(value) is not None
    return found
