"""Parse text into syntax nodes (compiler/nodes.py) with positions.

Rule of this room: the lark parse never leaves this file. The transformer runs *inside* the LALR parser
(no intermediate lark Tree is built: faster, lighter), so positions come from the tokens themselves — the
grammar keeps brackets as named terminals for exactly that reason. No checks and no coercion here.
"""

from __future__ import annotations

import re
import threading

from lark import Token, Transformer

from ..grammar import parser as grammar_parser
from .gc_pause import gc_paused
from .nodes import Array, Comment, Dict, Entry, File, Include, Option, Scalar, Scope, Statement, Value
from .span import Span

_ESCAPE = re.compile(r'\\(["\\])')
_current = threading.local()


def unescape(raw: str) -> str:
    """The value of a quoted string: only `\\"` and `\\\\` are escapes; other backslashes stay as written."""
    inner = raw[1:-1]
    return _ESCAPE.sub(r"\1", inner) if "\\" in inner else inner


def _span(first: Token, last: Token | None = None) -> Span:
    last = first if last is None else last
    return Span(_current.path, first.line, first.column, last.end_line, last.end_column)  # type: ignore[arg-type]


def _value_span(value: Value | Token) -> Span:
    return _span(value) if isinstance(value, Token) else value.span


class NodeBuilder(Transformer):  # type: ignore[type-arg]
    """Builds nodes bottom-up; every method gets the rule's children, tokens included."""

    def string(self, children: list[Token]) -> Scalar:
        tok = children[0]
        return Scalar(unescape(tok.value), _span(tok), True)

    def word(self, children: list[Token]) -> Scalar:
        tok = children[0]
        return Scalar(tok.value, _span(tok), False)

    def instance(self, children: list[Token]) -> Scalar:
        tok = children[0]
        if tok.type == "STRING":
            return Scalar(unescape(tok.value), _span(tok), True)
        return Scalar(tok.value, _span(tok), False)

    def array(self, children: list[Token | Value]) -> Array:
        items = [c for c in children[1:-1] if not isinstance(c, Token)]
        return Array(items, _span(children[0], children[-1]))  # type: ignore[arg-type]

    def dict(self, children: list[Token | Entry]) -> Dict:
        entries = [c for c in children[1:-1] if isinstance(c, Entry)]
        return Dict(entries, _span(children[0], children[-1]))  # type: ignore[arg-type]

    def entry(self, children: list[Token | Value]) -> Entry:
        key_tok = children[0]
        assert isinstance(key_tok, Token)
        key = unescape(key_tok.value) if key_tok.type == "STRING" else key_tok.value
        value = children[-1]
        assert not isinstance(value, Token)
        key_span = _span(key_tok)
        return Entry(key, key_span, value, key_span.to(value.span))

    def option(self, children: list[Token | Value]) -> Option:
        name = children[0]
        assert isinstance(name, Token)
        value = children[-1]
        assert not isinstance(value, Token)
        name_span = _span(name)
        return Option(name.value, name_span, value, name_span.to(value.span))

    def scope(self, children: list[Token | Scalar | Statement]) -> Scope:
        name = children[0]
        assert isinstance(name, Token)
        instance = children[1] if isinstance(children[1], Scalar) else None
        lbrace = next(c for c in children if isinstance(c, Token) and c.type == "LBRACE")
        body = [c for c in children[1:] if isinstance(c, Option | Scope | Include)]
        rbrace = children[-1]
        assert isinstance(rbrace, Token)
        return Scope(name.value, _span(name), instance, body, _span(name, rbrace), _span(lbrace))

    def include(self, children: list[Token | Value]) -> Include:
        keyword = children[0]
        assert isinstance(keyword, Token)
        target = children[1]
        assert not isinstance(target, Token)
        return Include(keyword.value.lower().startswith("readonly"), target, _span(keyword).to(target.span))

    def start(self, children: list[Statement]) -> list[Statement]:
        return children


_BUILDER = NodeBuilder()


def parse_text(text: str, path: str, depth: int = 0) -> File:
    """Parse one file's text. Raises lark errors (grammar.syntax_errors.explain makes them friendly) and
    grammar.NestingTooDeep; `depth` is how deeply the file sits inside the scopes and includes of others."""
    if text.startswith("\ufeff"):
        text = text[1:]
    _current.path = path
    try:
        with gc_paused():
            out = grammar_parser.parse(text, _BUILDER, depth)
            comments = [Comment(tok.value, _span(tok)) for tok in out.comments]
    finally:
        _current.path = None
    return File(path, out.result, comments)  # type: ignore[arg-type]
