"""Syntax nodes: what the text says, with where it says it. No coercion, no meaning.

Rule of this room: nodes mirror the grammar one to one (compiler/transform.py builds them); names are kept
as written, values as written (strings already unescaped). Everything after transform works on these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .span import Span


@dataclass(slots=True)
class Scalar:
    """A string or bare word. `quoted` tells which, for round trips and for rules that care."""

    value: str
    span: Span
    quoted: bool


@dataclass(slots=True)
class Array:
    items: list[Value]
    span: Span


@dataclass(slots=True)
class Entry:
    key: str
    key_span: Span
    value: Value
    span: Span


@dataclass(slots=True)
class Dict:
    entries: list[Entry]
    span: Span


Value = Scalar | Array | Dict


@dataclass(slots=True)
class Option:
    name: str
    name_span: Span
    value: Value
    span: Span


@dataclass(slots=True)
class Scope:
    name: str
    name_span: Span
    instance: Scalar | None
    body: list[Statement]
    span: Span
    # The `{`, for "opened here" notes.
    open_span: Span


@dataclass(slots=True)
class Include:
    readonly: bool
    target: Value
    span: Span
    # Filled by compiler/includes.py: the statements of the included file(s), in order.
    files: list[File] = field(default_factory=list)


Statement = Option | Scope | Include


@dataclass(slots=True)
class Comment:
    text: str
    span: Span


@dataclass(slots=True)
class File:
    path: str
    body: list[Statement]
    comments: list[Comment]
