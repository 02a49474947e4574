"""Parse text into syntax nodes (compiler/nodes.py) with positions.

Rule of this room: the parse never leaves this file. One builder per grammar rule runs *inside* the LALR
parser (no intermediate tree is built: faster, lighter), so positions come from the tokens themselves — the
grammar keeps brackets as named terminals for exactly that reason. No checks and no coercion here.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from ..grammar import Builders, Parser, Tok
from .gc_pause import gc_paused
from .nodes import Array, Comment, Dict, Entry, File, Include, Option, Scalar, Scope, Statement, Value
from .span import Span

_ESCAPE = re.compile(r'\\(["\\])')
_current = threading.local()


def unescape(raw: str) -> str:
    """The value of a quoted string: only `\\"` and `\\\\` are escapes; other backslashes stay as written."""
    inner = raw[1:-1]
    return _ESCAPE.sub(r"\1", inner) if "\\" in inner else inner


def _span(first: Tok, last: Tok | None = None) -> Span:
    if last is None:
        return Span(_current.path, first[2], first[3], first[4], first[5])
    return Span(_current.path, first[2], first[3], last[4], last[5])


def _scalar(tok: Tok) -> Scalar:
    if tok[0] == "STRING":
        return Scalar(unescape(tok[1]), _span(tok), True)
    return Scalar(tok[1], _span(tok), False)


# Children are the rule's tokens (tuples) and the nodes its sub-rules built, in order; see momentum.lark.
def _string(children: list[Tok]) -> Scalar:
    tok = children[0]
    return Scalar(unescape(tok[1]), _span(tok), True)


def _word(children: list[Tok]) -> Scalar:
    tok = children[0]
    return Scalar(tok[1], _span(tok), False)


def _instance(children: list[Tok]) -> Scalar:
    return _scalar(children[0])


def _array(children: list[Tok | Value]) -> Array:
    items = [c for c in children[1:-1] if type(c) is not tuple]
    return Array(items, _span(children[0], children[-1]))  # type: ignore[arg-type]


def _dict(children: list[Tok | Entry]) -> Dict:
    entries = [c for c in children[1:-1] if type(c) is Entry]
    return Dict(entries, _span(children[0], children[-1]))  # type: ignore[arg-type]


def _entry(children: list[Tok | Value]) -> Entry:
    key_tok: Tok = children[0]  # type: ignore[assignment]
    key = unescape(key_tok[1]) if key_tok[0] == "STRING" else key_tok[1]
    value: Value = children[-1]  # type: ignore[assignment]
    key_span = _span(key_tok)
    return Entry(key, key_span, value, key_span.to(value.span))


def _option(children: list[Tok | Value]) -> Option:
    name: Tok = children[0]  # type: ignore[assignment]
    value: Value = children[-1]  # type: ignore[assignment]
    name_span = _span(name)
    return Option(name[1], name_span, value, name_span.to(value.span))


def _scope(children: list[Tok | Scalar | Statement]) -> Scope:
    name: Tok = children[0]  # type: ignore[assignment]
    instance = children[1] if type(children[1]) is Scalar else None
    lbrace = next(c for c in children if type(c) is tuple and c[0] == "LBRACE")
    body = [c for c in children[1:] if type(c) is not tuple and type(c) is not Scalar]
    return Scope(name[1], _span(name), instance, body, _span(name, children[-1]), _span(lbrace))  # type: ignore[arg-type]


def _include(children: list[Tok | Value]) -> Include:
    keyword: Tok = children[0]  # type: ignore[assignment]
    target: Value = children[1]  # type: ignore[assignment]
    return Include(keyword[1].lower().startswith("readonly"), target, _span(keyword).to(target.span))


def _start(children: list[Statement]) -> list[Statement]:
    return children


BUILDERS: Builders = {
    "string": _string,
    "word": _word,
    "instance": _instance,
    "array": _array,
    "dict": _dict,
    "entry": _entry,
    "option": _option,
    "scope": _scope,
    "include": _include,
    "start": _start,
}


@lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(BUILDERS)


def parse_text(text: str, path: str, depth: int = 0) -> File:
    """Parse one file's text. Raises grammar.GrammarError (a syntax error, told in the config's terms) and
    grammar.NestingTooDeep; `depth` is how deeply the file sits inside the scopes and includes of others."""
    if text.startswith("\ufeff"):
        text = text[1:]
    _current.path = path
    try:
        with gc_paused():
            out = _parser().parse(text, depth)
            comments = [Comment(tok[1], _span(tok)) for tok in out.comments]
    finally:
        _current.path = None
    return File(path, out.result, comments)  # type: ignore[arg-type]
