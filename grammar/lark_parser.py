"""Lark itself: the reference parser. It computes the tables the fast parser runs, and it speaks for input
the fast parser refuses — its errors, made friendly by syntax_errors.py, are what the user reads.

Rule of this room: the only module (with syntax_errors.py) that imports lark; it is loaded only when tables
must be computed or a config is wrong, so linting a valid config never pays for it.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from .errors import NestingTooDeep
from .reducers import Builders
from .syntax_errors import explain
from .table_parser import Tok
from .terms import CLOSERS, COMMENT_TERMINALS, MAX_DEPTH, OPENERS, grammar_text

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


@lru_cache(maxsize=1)
def get_lark() -> Lark:
    """Lark's LALR parser for the grammar, built once per process."""
    return build_lark(grammar_text())


def build_lark(text: str) -> Lark:
    callbacks = {name: _collect_comment for name in COMMENT_TERMINALS}
    callbacks.update({name: _open for name in OPENERS})
    callbacks.update({name: _close for name in CLOSERS})
    return Lark(text, parser="lalr", lexer="contextual", lexer_callbacks=callbacks, maybe_placeholders=False)


def parse_with_lark(text: str, builders: Builders, depth: int = 0) -> tuple[object, list[Tok]]:
    """(what the `start` builder returned, the comments), built from Lark's own tree; raises GrammarError
    (Lark's error, told in the config's terms) or NestingTooDeep."""
    comments: list[Token] = []
    _sink.comments = comments
    _sink.depth = depth
    try:
        tree = get_lark().parse(text)
    except UnexpectedInput as exc:
        raise explain(exc, text) from None
    finally:
        _sink.comments = None
        _sink.depth = None
    return from_tree(tree, builders), [as_tuple(token) for token in comments]


def as_tuple(token: Token) -> Tok:
    return (token.type, token.value, token.line, token.column, token.end_line, token.end_column)  # type: ignore[return-value]


def from_tree(tree: Tree, builders: Builders) -> object:  # type: ignore[type-arg]
    """The same nodes from a Lark tree: tokens become tuples, rules call their builders."""

    def convert(node: object) -> object:
        if isinstance(node, Token):
            return as_tuple(node)
        assert isinstance(node, Tree)
        return builders[node.data]([convert(child) for child in node.children])

    return convert(tree)
