"""Where a JSON path sits in a JSON text: line and column of each key and value.

Rule of this room: the standard library's `json` turns the text into data but forgets positions; this small
scanner walks the same text once and records, for every JSON path, the span of its key (object members) and
of its value, so that problems found on the data can be shown at the right place in the file. It also finds
duplicate keys (which `json` silently resolves) and, for text `json` refused, the path being read when it
failed. JSON paths are written `$.esmtp_listener.listens[0].smtp_extensions`. `first_excess` finds where a text
goes past the reader's limits (nesting, digits) without recursing.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .span import Span

Parts = tuple[str | int, ...]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_WS = re.compile(r"[ \t\n\r]*")
# Numbers and the three literals; the scanner only needs their extent, json.loads judged their validity. It
# lets NaN and Infinity through (for the schema to refuse by name), so they are placed too.
_ATOM = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null|NaN|-?Infinity")


def json_path(parts: Sequence[str | int]) -> str:
    """`$.a.b[0]`; keys that are not plain names are written `["like-this"]`."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _NAME.match(part):
            out += f".{part}"
        else:
            quoted = json.dumps(part, ensure_ascii=False)
            if not quoted.isascii() and any("\ud800" <= char <= "\udfff" for char in quoted):
                quoted = json.dumps(part)  # a lone surrogate cannot be printed: keep its \u escape
            out += f"[{quoted}]"
    return out


@dataclass(frozen=True, slots=True)
class Place:
    """Where one JSON value is written: its key (None for array items and the root) and the value itself."""

    key: Span | None
    value: Span
    container: bool  # an object or array: its span runs from the opening to the closing bracket

    def start(self) -> Span:
        """A short span for carets: the key if there is one, else the value's first line (or its bracket)."""
        if self.key is not None:
            return self.key
        return self.opening()

    def opening(self) -> Span:
        v = self.value
        if self.container or v.end_line != v.line:
            return Span(v.path, v.line, v.column, v.line, v.column + 1)
        return v


class _Stop(Exception):
    """The text ends or goes wrong here (only for text json.loads refused)."""


@dataclass
class _Scanner:
    text: str
    path: str
    places: dict[Parts, Place] = field(default_factory=dict)
    duplicates: list[tuple[Parts, Span]] = field(default_factory=list)
    current: Parts = ()
    pos: int = 0

    def __post_init__(self) -> None:
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(self.text) if ch == "\n"]

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.at(start)
        end_line, end_column = self.at(end)
        return Span(self.path, line, column, end_line, end_column)

    def skip(self) -> None:
        match = _WS.match(self.text, self.pos)
        assert match is not None
        self.pos = match.end()

    def expect(self, char: str) -> None:
        self.skip()
        if self.text[self.pos : self.pos + 1] != char:
            raise _Stop
        self.pos += 1

    def string(self) -> str:
        if self.text[self.pos : self.pos + 1] != '"':
            raise _Stop
        try:
            value, self.pos = json.decoder.scanstring(self.text, self.pos + 1)  # type: ignore[attr-defined]
        except json.JSONDecodeError:
            raise _Stop from None
        return value

    def value(self, parts: Parts, key: Span | None) -> None:
        self.current = parts
        self.skip()
        start = self.pos
        char = self.text[start : start + 1]
        if char == "{":
            self.pos += 1
            self.object(parts)
        elif char == "[":
            self.pos += 1
            self.array(parts)
        elif char == '"':
            self.string()
        else:
            match = _ATOM.match(self.text, start)
            if match is None or match.end() == start:
                raise _Stop
            self.pos = match.end()
        self.places[parts] = Place(key, self.span(start, self.pos), char in ("{", "["))
        self.current = parts[:-1] if parts else ()

    def object(self, parts: Parts) -> None:
        seen: set[str] = set()
        self.skip()
        if self.text[self.pos : self.pos + 1] == "}":
            self.pos += 1
            return
        while True:
            self.skip()
            key_start = self.pos
            name = self.string()
            key = self.span(key_start, self.pos)
            if name in seen:
                self.duplicates.append(((*parts, name), key))
            seen.add(name)
            self.current = (*parts, name)
            self.expect(":")
            self.value((*parts, name), key)
            self.current = parts
            self.skip()
            char = self.text[self.pos : self.pos + 1]
            self.pos += 1
            if char == "}":
                return
            if char != ",":
                raise _Stop

    def array(self, parts: Parts) -> None:
        self.skip()
        if self.text[self.pos : self.pos + 1] == "]":
            self.pos += 1
            return
        index = 0
        while True:
            self.value((*parts, index), None)
            self.current = parts
            self.skip()
            char = self.text[self.pos : self.pos + 1]
            self.pos += 1
            if char == "]":
                return
            if char != ",":
                raise _Stop
            index += 1


@dataclass(frozen=True)
class Located:
    """Every value of a JSON text by path, and the keys written twice in one object."""

    places: dict[Parts, Place]
    duplicates: list[tuple[Parts, Span]]

    def place(self, parts: Sequence[str | int]) -> Place | None:
        """The place of `parts`, or of its nearest ancestor that exists in the text."""
        key = tuple(parts)
        while key not in self.places and key:
            key = key[:-1]
        return self.places.get(key)


def locate(text: str, path: str) -> Located:
    """Scan text that json.loads accepted. `path` is the file name the spans carry."""
    scanner = _Scanner(text, path)
    try:
        scanner.value((), None)
    except (_Stop, RecursionError):
        pass  # a partial index still answers for what was read
    return Located(scanner.places, scanner.duplicates)


# What matters to the limits scan: strings (skipped whole: brackets and digits inside them are text), brackets,
# and runs of digits (a number's length). A string that is never closed runs to where it stops: requiring the
# closing quote made every `"` of `"\"\"\"...` try (and fail) to match up to the end of the text, 31 s for
# 100 KB. Up to where json.loads stopped, every string is closed, so what the scan finds there is the same.
_LIMITS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]|-?[0-9]+')


def first_excess(text: str, max_depth: int, max_digits: int) -> tuple[int, str] | None:
    """Where a JSON text first nests deeper than `max_depth` or writes a number of more than `max_digits`
    digits: (offset, "depth" or "digits"), or None. A flat scan, no recursion: it is what stands between a
    hostile text and the recursive readers after it."""
    depth = 0
    for match in _LIMITS.finditer(text):
        char = text[match.start()]
        if char in "[{":
            depth += 1
            if depth > max_depth:
                return match.start(), "depth"
        elif char in "]}":
            depth -= 1
        elif char != '"' and match.end() - match.start() - (char == "-") > max_digits:
            return match.start(), "digits"
    return None


def path_at(text: str, offset: int) -> Parts:
    """For text json.loads refused at `offset`: the path of the value being read there."""
    scanner = _Scanner(text[:offset], "")
    try:
        scanner.value((), None)
    except (_Stop, RecursionError):
        pass
    return scanner.current
