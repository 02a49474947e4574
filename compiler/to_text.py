"""Models -> Momentum config text: the way back from JSON.

Rule of this room: write text that the parser reads back to the same models. Options the engine interprets
get Momentum's spelling (the SPELLING table); every other name is written lower case, as the JSON holds it.
Strings are always quoted (only `"` and a backslash that would be read as an escape are escaped, so regexes
stay readable), numbers and booleans are bare, arrays `( ... )`, dictionaries `[ k = v ]` one entry a line,
two spaces per level. Statements come in Momentum's usual order (options, the modules and data sources they
use, ESMTP_Listener, the rest; a listener's Peers before its Listens) without reordering any list of the
JSON, so the JSON read back is the JSON written. Alongside the text comes a TextMap: for every line, and for
every name and value on it, the JSON path it was written from, so that problems found in the text can be
shown in the JSON file.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any

from .fmt import BARE_KEY, INDENT, KEYWORDS, WIDTH
from .json_locate import Parts
from .models import AuthParameters, Config, EcLogger, GenericScope, Listen, Model, Peer, dump, field_names
from .option_table import table
from .vocabulary import TERMS

# Field -> Momentum's spelling, for the options ecconf interprets (names are case-insensitive; this is style).
SPELLING: dict[str, str] = {t.field: t.spelling for t in TERMS} | {"acctlog": "acctlog"}
# Field holding child scopes -> the scope's name in the text.
SCOPE_SPELLING: dict[str, str] = {
    "esmtp_listener": "ESMTP_Listener",
    "ec_loggers": "ec_logger",
    "listens": "Listen",
    "peers": "Peer",
}
# Fields that are not options: what a scope is called, and what it holds.
STRUCTURE = frozenset({"name", "instance", "address", "network", "options", "scopes", *SCOPE_SPELLING})

# The layout is `ecconf fmt`'s: its indent, its width (an array longer than this, or holding a dictionary,
# gets one item a line) and its rule for a bare dictionary key.
_BARE_KEY, _INCLUDE = BARE_KEY, KEYWORDS


# Scopes that set up what listeners and policies use: module stanzas (the vocabulary knows them) and these.
RESOURCES = frozenset({"datasource", "threadpool", "eventloop"})


def _sets_up(name: str) -> bool:
    info = table().scope(name)
    return name.lower() in RESOURCES or (info is not None and bool(info.module_form))


def quote(text: str) -> str:
    """A quoted string the parser reads back as `text`: only `\\"` and `\\\\` are escapes there."""
    out = ['"']
    for i, char in enumerate(text):
        if char == '"':
            out.append('\\"')
        elif char == "\\" and (i + 1 == len(text) or text[i + 1] in '"\\'):
            out.append("\\\\")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):  # seconds: `10` for 10.0, else the shortest text that reads back the same
        if not math.isfinite(value):
            raise ValueError(f"a config value cannot be {value!r}")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return quote(value)
    raise TypeError(f"a config value cannot be {type(value).__name__}: {value!r}")


def key_text(key: str) -> str:
    """A dictionary key: bare when it is a plain name, else quoted."""
    return key if _BARE_KEY.match(key) and key.lower() not in _INCLUDE else quote(key)


@dataclass(frozen=True, slots=True)
class Mark:
    """A stretch of the text (1-based, end exclusive) written from one JSON path."""

    line: int
    column: int
    end_line: int
    end_column: int
    parts: Parts
    role: str  # "key": the name of an option or scope; "value": a value


@dataclass(frozen=True)
class TextMap:
    lines: tuple[Parts, ...]  # lines[n - 1]: the JSON path line n was written from
    marks: tuple[Mark, ...]
    # Built on the first find() of a line: a look-up per column instead of a scan of every mark per finding
    # (thousands of findings times thousands of marks took seconds).
    _on_line: dict[int, list[int]] = field(default_factory=dict, compare=False, repr=False)
    _columns: dict[int, tuple[list[int], int]] = field(default_factory=dict, compare=False, repr=False)

    def find(self, line: int, column: int) -> tuple[Parts, str]:
        """The JSON path (and role) of the innermost mark holding this position: of those that hold it, the
        one that starts last (the last written, if several start there); else the line's path."""
        if line not in self._columns:
            self._columns[line] = self._paint(line)
        painted, tail = self._columns[line]
        best = painted[column] if 0 <= column < len(painted) else tail if column >= len(painted) else -1
        if best >= 0:
            return self.marks[best].parts, self.marks[best].role
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1], "key"
        return (), "key"

    def _paint(self, line: int) -> tuple[list[int], int]:
        """For each column of the line, the mark find() gives (-1: none); and the one past the last column
        any mark names (a mark that goes on to a later line holds those columns too)."""
        if not self._on_line and self.marks:
            for index, mark in enumerate(self.marks):
                for covered in range(mark.line, mark.end_line + 1):
                    self._on_line.setdefault(covered, []).append(index)
        on_line = self._on_line.get(line, [])
        spans = []
        for index in on_line:
            mark = self.marks[index]
            start = mark.column if mark.line == line else 0
            end = mark.end_column if mark.end_line == line else None  # None: on to the end of the line
            spans.append((mark.line, mark.column, index, start, end))
        spans.sort()  # painted in find()'s order, where it starts, then as written: a later one wins
        width = max((e if e is not None else s + 1 for *_, s, e in spans), default=0)
        painted = [-1] * width
        tail = -1
        for *_, index, start, end in spans:
            stop = width if end is None else end
            painted[start:stop] = [index] * max(0, stop - start)
            if end is None:
                tail = index
        return painted, tail


@dataclass(frozen=True)
class Rendered:
    text: str
    map: TextMap


@dataclass
class _Line:
    """One statement being written; it may cover several lines when a string holds a newline."""

    text: str
    marks: list[tuple[int, int, Parts, str]] = field(default_factory=list)

    def add(self, piece: str, parts: Parts | None = None, role: str = "value") -> None:
        start = len(self.text)
        self.text += piece
        if parts is not None:
            self.marks.append((start, len(self.text), parts, role))

    def inline(self, value: Any, parts: Parts) -> None:
        start = len(self.text)
        if isinstance(value, list):
            self.text += "( "
            for i, item in enumerate(value):
                self.inline(item, (*parts, i))
                self.text += " "
            self.text += ")"
        elif isinstance(value, dict):
            self.text += "[ "
            for key, item in value.items():
                self.add(key_text(key), (*parts, key), "key")
                self.text += " = "
                self.inline(item, (*parts, key))
                self.text += " "
            self.text += "]"
        else:
            self.text += scalar(value)
        self.marks.append((start, len(self.text), parts, "value"))


def _has_dict(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value)
    return isinstance(value, list) and any(_has_dict(item) for item in value)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.paths: list[Parts] = []
        self.marks: list[Mark] = []

    def commit(self, line: _Line, parts: Parts) -> None:
        first = len(self.lines) + 1
        starts = [0] + [i + 1 for i, ch in enumerate(line.text) if ch == "\n"]

        def where(offset: int) -> tuple[int, int]:
            n = bisect.bisect_right(starts, offset) - 1
            return first + n, offset - starts[n] + 1

        for start, end, mark_parts, role in line.marks:
            self.marks.append(Mark(*where(start), *where(end), mark_parts, role))
        for physical in line.text.split("\n"):
            self.lines.append(physical)
            self.paths.append(parts)

    def blank(self) -> None:
        if self.lines:
            self.lines.append("")
            self.paths.append(())

    # -- options ------------------------------------------------------------------------------------------
    def option(self, depth: int, name: str, value: Any, parts: Parts, *, bare_name: bool = True) -> None:
        line = _Line(INDENT * depth)
        line.add(name if bare_name else key_text(name), parts, "key")
        line.add(" = ")
        self.value(depth, line, value, parts)

    def value(self, depth: int, line: _Line, value: Any, parts: Parts) -> None:
        if isinstance(value, AuthParameters):
            line.add("[", parts)
            if not dump(value, exclude_defaults=True):
                line.add(" ]", parts)
                self.commit(line, parts)
                return
            self.commit(line, parts)
            self.auth_entries(depth + 1, value, parts)
            self.close(depth, "]", parts)
            return
        if isinstance(value, dict) and value:
            line.add("[", parts)
            self.commit(line, parts)
            self.entries(depth + 1, value, parts)
            self.close(depth, "]", parts)
            return
        if isinstance(value, list):
            trial = _Line(line.text)
            trial.inline(value, parts)
            if _has_dict(value) or len(trial.text) > WIDTH or "\n" in trial.text:
                line.add("(", parts)
                self.commit(line, parts)
                for i, item in enumerate(value):
                    self.value(depth + 1, _Line(INDENT * (depth + 1)), item, (*parts, i))
                self.close(depth, ")", parts)
                return
        line.inline(value, parts)
        self.commit(line, parts)

    def auth_entries(self, depth: int, auth: AuthParameters, parts: Parts) -> None:
        for name in field_names(type(auth)):
            if name != "options" and getattr(auth, name) is not None:
                self.option(depth, SPELLING[name], getattr(auth, name), (*parts, name))
        self.entries(depth, auth.options, (*parts, "options"))

    def entries(self, depth: int, value: dict[str, Any], parts: Parts) -> None:
        for key, item in value.items():
            self.option(depth, key, item, (*parts, key), bare_name=False)

    def close(self, depth: int, bracket: str, parts: Parts) -> None:
        line = _Line(INDENT * depth)
        line.add(bracket, parts)
        self.commit(line, parts)

    # -- scopes -------------------------------------------------------------------------------------------
    def scope(self, depth: int, name: str, model: Model, parts: Parts, identity: str | None) -> None:
        line = _Line(INDENT * depth)
        line.add(name, parts, "key")
        written = getattr(model, identity) if identity else None
        if identity and written is not None and (written != "" or identity == "instance"):
            line.add(" ")
            line.add(quote(written), (*parts, identity), "value")
        line.add(" {")
        self.commit(line, parts)
        header_end = len(self.lines)
        self.body(depth + 1, model, parts)
        if len(self.lines) == header_end:  # nothing inside: `Name "x" { }` on one line
            self.lines[-1] += " }"
        else:
            self.close(depth, "}", parts)

    def body(self, depth: int, model: Model, parts: Parts) -> None:
        """Momentum's usual order: the scope's options (those ecconf interprets first, as the models list
        them), then what they set up (modules, data sources), then ESMTP_Listener, then the rest; inside a
        listener its Peers before its Listens. Each list stays in its own order, so the JSON read back from
        the text is the JSON written."""
        fields = field_names(type(model))
        for name in fields:
            value = getattr(model, name)
            if name not in STRUCTURE and value is not None:
                spelled = SPELLING[name]
                self.option(depth, spelled, value, (*parts, name))
        for key, value in getattr(model, "options", {}).items():
            self.option(depth, key, value, (*parts, "options", key))
        scopes: list[GenericScope] = getattr(model, "scopes", [])
        setup = next((i for i, scope in enumerate(scopes) if not _sets_up(scope.name)), len(scopes))
        for field_name, first, last in (
            ("ec_loggers", 0, None),
            ("scopes", 0, setup),
            ("esmtp_listener", 0, None),
            ("scopes", setup, None),
            ("peers", 0, None),
            ("listens", 0, None),
        ):
            if field_name not in fields:
                continue
            children = getattr(model, field_name)
            if field_name == "esmtp_listener":
                if children is not None:
                    self.blank_at_top(depth)
                    self.scope(depth, SCOPE_SPELLING[field_name], children, (*parts, field_name), None)
                continue
            for i, child in enumerate(children[first:last], start=first):
                self.blank_at_top(depth)
                self.child(depth, field_name, child, (*parts, field_name, i))

    def child(self, depth: int, field_name: str, child: Model, parts: Parts) -> None:
        if isinstance(child, GenericScope):
            self.scope(depth, child.name, child, parts, "instance")
        elif isinstance(child, Listen):
            self.scope(depth, SCOPE_SPELLING[field_name], child, parts, "address")
        elif isinstance(child, Peer):
            self.scope(depth, SCOPE_SPELLING[field_name], child, parts, "network")
        elif isinstance(child, EcLogger):
            self.scope(depth, SCOPE_SPELLING[field_name], child, parts, "instance")

    def blank_at_top(self, depth: int) -> None:
        if depth == 0:
            self.blank()


def to_text(config: Config) -> Rendered:
    """The config text of a model, with the JSON path of every line and of every name and value on it."""
    writer = _Writer()
    writer.body(0, config, ())
    text = "\n".join(writer.lines) + "\n" if writer.lines else ""
    return Rendered(text, TextMap(tuple(writer.paths), tuple(writer.marks)))
