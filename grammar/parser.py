"""The cached LALR parser for the Momentum configuration language.

Rule of this room: build the Lark parser once per transformer and reuse it; hand back whatever the
transformer builds plus the comments the lexer saw. Nothing here knows what an option means. Nesting is
bounded here, at the bracket that goes too deep: the LALR parser itself keeps its stack in a list, but
everything after it (node builders, models, JSON, schema checks) walks the nesting recursively.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer

GRAMMAR_FILE = "momentum.lark"
COMMENT_TERMINALS = ("LINE_COMMENT", "BLOCK_COMMENT")
OPENERS = ("LBRACE", "LPAR", "LSQB")
CLOSERS = ("RBRACE", "RPAR", "RSQB")
# Scopes, arrays and dictionaries (and, counted by the include loader, includes) may nest this deep. Real
# configs nest a handful of levels; the bound keeps every recursive walker far from Python's recursion limit.
MAX_DEPTH = 32


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


@lru_cache(maxsize=8)
def get_parser(transformer: Transformer | None = None) -> Lark:
    """The LALR parser, built once per transformer.

    With a transformer the tree is built bottom-up inside the parser (no lark Tree at all), which is both
    faster and lighter; tokens carry their own line and column, so positions survive.
    """
    callbacks = {name: _collect_comment for name in COMMENT_TERMINALS}
    callbacks.update({name: _open for name in OPENERS})
    callbacks.update({name: _close for name in CLOSERS})
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        transformer=transformer,
        lexer_callbacks=callbacks,
        maybe_placeholders=False,
        cache=False,
    )


@dataclass(frozen=True, slots=True)
class ParseOutput:
    result: object
    comments: list[Token]


def parse(text: str, transformer: Transformer | None = None, depth: int = 0) -> ParseOutput:
    """Parse `text`; raises lark's exceptions (see syntax_errors.explain for the friendly form), or
    NestingTooDeep. `depth`: how many levels deep the text already sits (an included file inside scopes)."""
    parser = get_parser(transformer)
    comments: list[Token] = []
    _sink.comments = comments
    _sink.depth = depth
    try:
        result = parser.parse(text)
    finally:
        _sink.comments = None
        _sink.depth = None
    return ParseOutput(result, comments)
