"""Diagnostics: one problem, one value. Rules yield them; the checker stamps severity; render.py prints them.

Rule of this room: a message never contains the file, line or column (the span does), and never a secret.
Codes are a letter prefix plus three digits (E1xx syntax, E2xx structure, E3xx values, A4xx auth, S5xx
security, W6xx style...) so `--select`/`--ignore` work by prefix.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from .span import Span


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.strip().upper()]


@dataclass(frozen=True, slots=True)
class Related:
    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span
    severity: Severity = Severity.ERROR
    hint: str = ""
    related: tuple[Related, ...] = field(default=())
    # False when the span lies in a file whose text must never be shown (a password file, a file that is not
    # a config at all): render.py then prints its place but no excerpt of it.
    quote: bool = True

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.path, self.span.line, self.span.column, self.code)


def sort_unique(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by place, each (code, place, message) once."""
    seen: set[tuple[str, Span, str]] = set()
    out: list[Diagnostic] = []
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        key = (d.code, d.span, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
