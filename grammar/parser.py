"""The cached LALR parser for the Momentum configuration language.

Rule of this room: build the Lark parser once and reuse it; run valid input through its tables in the fast
driver (table_parser.py) and let Lark itself speak for input that is wrong; hand back whatever the caller's
builders build plus the comments. Nothing here knows what an option means. Nesting is
bounded here, at the bracket that goes too deep: the LALR parser itself keeps its stack in a list, but
everything after it (node builders, models, JSON, schema checks) walks the nesting recursively.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from lark import Lark, Token

from .cache import cache_file
from .reducers import Builders
from .table_parser import Limits, TableParser, Tok, as_tuple, from_tree

GRAMMAR_FILE = "momentum.lark"
COMMENT_TERMINALS = ("LINE_COMMENT", "BLOCK_COMMENT")
OPENERS = ("LBRACE", "LPAR", "LSQB")
CLOSERS = ("RBRACE", "RPAR", "RSQB")
# Scopes, arrays and dictionaries (and, counted by the include loader, includes) may nest this deep. Real
# configs nest a handful of levels; the bound keeps every recursive walker far from Python's recursion limit.
MAX_DEPTH = 32
LIMITS = Limits(frozenset(OPENERS), frozenset(CLOSERS), MAX_DEPTH)


class NestingTooDeep(Exception):
    """An opening bracket at `line`:`column` would nest deeper than `limit` levels."""

    def __init__(self, line: int, column: int, limit: int) -> None:
        super().__init__(f"{line}:{column}: nesting deeper than {limit} levels")
        self.line = line
        self.column = column
        self.limit = limit


# Comments are ignored by the grammar but collected by a lexer callback, so a formatter or a JSON -> text
# writer can put them back. The callback is fixed when the parser is built; the sink it appends to is
# per thread and per parse.
_sink = threading.local()


def _collect_comment(token: Token) -> Token:
    comments = getattr(_sink, "comments", None)
    if comments is not None:
        comments.append(token)
    return token


def _open(token: Token) -> Token:
    depth = getattr(_sink, "depth", None)
    if depth is not None:
        _sink.depth = depth + 1
        if depth + 1 > MAX_DEPTH:
            raise NestingTooDeep(token.line or 1, token.column or 1, MAX_DEPTH)
    return token


def _close(token: Token) -> Token:
    depth = getattr(_sink, "depth", None)
    if depth:
        _sink.depth = depth - 1
    return token


def grammar_text() -> str:
    return resources.files(__package__).joinpath(GRAMMAR_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def get_lark() -> Lark:
    """Lark's LALR parser for the grammar, built once: the source of the fast path's tables and terminals,
    and the parser that speaks when the input is wrong (its errors are what syntax_errors explains)."""
    text = grammar_text()
    return build_lark(text, cache_file(text))


def build_lark(text: str, cache: str | None) -> Lark:
    """The parser from the grammar's text; its tables are read from and kept in `cache` when given."""
    callbacks = {name: _collect_comment for name in COMMENT_TERMINALS}
    callbacks.update({name: _open for name in OPENERS})
    callbacks.update({name: _close for name in CLOSERS})
    return Lark(
        text,
        parser="lalr",
        lexer="contextual",
        lexer_callbacks=callbacks,
        maybe_placeholders=False,
        cache=cache or False,
    )


@dataclass(frozen=True, slots=True)
class ParseOutput:
    result: object  # what the builder of `start` returned
    comments: list[Tok]


class Parser:
    """The grammar with one set of node builders bound to its rules (one builder per rule name or alias;
    each gets the rule's children, tokens as (type, value, line, column, end_line, end_column) tuples).

    Valid input runs through Lark's tables in the fast driver (grammar/table_parser.py); anything it
    refuses is parsed again by Lark itself, which raises Lark's exceptions (syntax_errors.explain makes them
    friendly) or NestingTooDeep — or, should the two ever disagree, builds the same nodes from Lark's tree.
    """

    def __init__(self, builders: Builders) -> None:
        self._builders = builders
        self._fast = TableParser(get_lark(), builders, LIMITS, frozenset(COMMENT_TERMINALS))

    def parse(self, text: str, depth: int = 0) -> ParseOutput:
        """`depth`: how many levels deep the text already sits (an included file inside scopes)."""
        fast = self._fast.parse(text, depth)
        if fast is not None:
            return ParseOutput(*fast)
        return self.parse_with_lark(text, depth)

    def parse_with_lark(self, text: str, depth: int = 0) -> ParseOutput:
        comments: list[Token] = []
        _sink.comments = comments
        _sink.depth = depth
        try:
            tree = get_lark().parse(text)
        finally:
            _sink.comments = None
            _sink.depth = None
        return ParseOutput(from_tree(tree, self._builders), [as_tuple(token) for token in comments])
