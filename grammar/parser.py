"""The parser for the Momentum configuration language: valid input fast, wrong input explained.

Rule of this room: the tables come from Lark (lark_parser.py), once — kept between runs by cache.py, so a
later run parses a valid config without loading lark. Valid input runs through them in the fast driver
(table_parser.py); whatever it refuses is parsed again by Lark, which raises the error the user reads.
Callers hand in one builder per grammar rule and get back what the `start` builder built, plus the
comments. Nothing here knows what an option means. Nesting is bounded here, at the bracket that goes too
deep: the parser keeps its stack in a list, but everything after it (node builders, models, JSON, schema
checks) walks the nesting recursively.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .cache import load_compiled, save_compiled
from .compiled import CompiledGrammar, from_lark
from .reducers import Builders
from .table_parser import TableParser, Tok
from .terms import COMMENT_TERMINALS, FUSION, LIMITS, grammar_text


@lru_cache(maxsize=1)
def get_compiled() -> CompiledGrammar:
    """The grammar's tables: from the cache when it holds this grammar's, else computed by Lark (and kept)."""
    text = grammar_text()
    found = load_compiled(text)
    if found is None:
        from .lark_parser import get_lark

        found = from_lark(get_lark())
        save_compiled(text, found)
    return found


@dataclass(frozen=True, slots=True)
class ParseOutput:
    result: object  # what the builder of `start` returned
    comments: list[Tok]


class Parser:
    """The grammar with one set of node builders bound to its rules (one builder per rule name or alias;
    each gets the rule's children, tokens as (type, value, line, column, end_line, end_column) tuples).

    `parse` raises GrammarError (a syntax error told in the config's terms) or NestingTooDeep; should the fast
    driver and Lark ever disagree on valid input, Lark's tree is built into the same nodes.
    """

    def __init__(self, builders: Builders) -> None:
        self._builders = builders
        self._fast = TableParser(get_compiled(), builders, LIMITS, frozenset(COMMENT_TERMINALS), FUSION)

    def parse(self, text: str, depth: int = 0) -> ParseOutput:
        """`depth`: how many levels deep the text already sits (an included file inside scopes)."""
        try:
            fast = self._fast.parse(text, depth)
        except (KeyError, IndexError):
            # Only tables that do not hold together (a cache file damaged in a way its checks cannot see) get
            # here: Lark parses instead, and a builder's own error would come back from it unchanged.
            fast = None
        if fast is not None:
            return ParseOutput(*fast)
        return self.parse_with_lark(text, depth)

    def parse_with_lark(self, text: str, depth: int = 0) -> ParseOutput:
        from .lark_parser import parse_with_lark

        return ParseOutput(*parse_with_lark(text, self._builders, depth))
