"""Diagnostics -> text for people and machines: text (with caret excerpts), json, sarif and github.

Rule of this room: the only formatter of diagnostics (SARIF, the biggest format, in sarif.py beside it). It
reads no files and knows no rules: the caller hands over the source texts (the loader kept them) and the rule
descriptions (for SARIF and --show-docs). Positions are 1-based with an exclusive end column, as spans count,
and SARIF counts the same way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TextIO

from .diagnostics import Diagnostic, Related, Severity
from .rule_docs import RuleInfo
from .sarif import SARIF_SCHEMA, Invocation, artifact_uri, render_sarif
from .span import Span

__all__ = ["SARIF_SCHEMA", "Invocation", "RuleInfo", "artifact_uri", "render", "render_sarif"]

FORMATS = ("text", "json", "sarif", "github")

_GITHUB_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
# ANSI SGR colours per severity, plus bold for the location and green for carets (gcc's palette).
_COLOUR = {Severity.ERROR: "1;31", Severity.WARNING: "1;35", Severity.INFO: "1;36"}
_BOLD, _CARET, _RESET = "1", "1;32", "\x1b[0m"


@dataclass(frozen=True, slots=True)
class RenderOptions:
    format: str = "text"
    color: bool = False
    files_checked: int = 0
    tool_version: str = ""
    quiet: bool = False  # text: the findings alone, without the summary line
    entry_points: tuple[str, ...] = ()  # json: the files checked as roots, for the summary
    show_docs: bool = False  # text: a link to each finding's rule page (from RuleInfo.help_uri)
    information_uri: str = ""  # sarif: tool.driver.informationUri
    exit_code: int | None = None  # sarif: the invocation's exit code, when the caller knows it
    input_errors: tuple[str, ...] = ()  # sarif: inputs that could not be read (the invocation did not succeed)


def wants_color(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def render(
    diagnostics: Sequence[Diagnostic],
    options: RenderOptions,
    sources: Mapping[str, str] | None = None,
    rules: Sequence[RuleInfo] = (),
) -> str:
    """The whole output for one run, in the chosen format, ending with a newline (empty for github and none)."""
    diagnostics = [_clipped(d) for d in diagnostics]
    if options.format == "text":
        docs = {rule.code: rule.help_uri for rule in rules if rule.help_uri} if options.show_docs else {}
        text = render_text(diagnostics, sources or {}, options.files_checked, options.color, docs)
        if options.quiet:
            text = text[: text.rstrip("\n").rfind("\n") + 1]  # the summary is the last line
        return text
    if options.format == "json":
        return render_json(diagnostics, options.files_checked, options.entry_points)
    if options.format == "sarif":
        invocation = Invocation(options.exit_code, options.input_errors)
        return render_sarif(diagnostics, rules, options.tool_version, options.information_uri, invocation)
    if options.format == "github":
        return render_github(diagnostics)
    raise ValueError(f"unknown format {options.format!r}; known: {', '.join(FORMATS)}")


def render_statistics(diagnostics: Sequence[Diagnostic], fmt: str, rules: Sequence[RuleInfo]) -> str:
    """How often each code was found, most frequent first: a table (text) or `{"statistics": [...]}` (json;
    the other formats, made for one finding per entry, get the table too)."""
    counts: dict[str, int] = {}
    for d in diagnostics:
        counts[d.code] = counts.get(d.code, 0) + 1
    summaries = {rule.code: rule.summary for rule in rules}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if fmt == "json":
        entries = [{"code": code, "count": n, "summary": summaries.get(code, "")} for code, n in rows]
        return json.dumps({"statistics": entries}, indent=2) + "\n"
    return "".join(f"{n:>6}  {code:<5} {summaries.get(code, '')}".rstrip() + "\n" for code, n in rows)


# A message (or hint, or note) longer than this quotes something huge, a 10 MB name or value: it keeps its
# head and its tail around "...", in every format, so that the output does not grow with the input.
MESSAGE_WIDTH = 500


def clip(text: str, width: int = MESSAGE_WIDTH) -> str:
    if len(text) <= width:
        return text
    tail = width // 4
    return f"{text[: width - tail - 5]} ... {text[-tail:]}"


def _clipped(d: Diagnostic) -> Diagnostic:
    long_note = any(len(r.message) > MESSAGE_WIDTH for r in d.related)
    if len(d.message) <= MESSAGE_WIDTH and len(d.hint) <= MESSAGE_WIDTH and not long_note:
        return d
    related = tuple(Related(r.span, clip(r.message)) for r in d.related)
    return replace(d, message=clip(d.message), hint=clip(d.hint), related=related)


# --- text -------------------------------------------------------------------------------------------------


def _paint(text: str, sgr: str, color: bool) -> str:
    return f"\x1b[{sgr}m{text}{_RESET}" if color else text


# What the text format quotes from the input (a source line, a name inside a message, a file name) shows
# control characters as their Unicode pictures (ESC as U+241B), and C1 controls, bidirectional overrides
# and line separators as U+FFFD: an escape sequence in a config must not reach the terminal, and a line
# break inside a message must not forge a line of output. One character for one, so carets stay in place;
# tabs stay tabs (the caret padding copies them).
_VISIBLE = {
    **{code: 0x2400 + code for code in range(0x20) if code != 0x09},
    0x7F: 0x2421,
    **dict.fromkeys(range(0x80, 0xA0), 0xFFFD),
    **dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029], 0xFFFD),
}


def visible(text: str) -> str:
    return text.translate(_VISIBLE)


def _where(span: Span) -> str:
    return f"{visible(span.path)}:{span.line}:{span.column}"


# A source line longer than this is shown as a window around the column, marked "..." where it was cut:
# quoting a 10 MB line whole helps nobody.
EXCERPT_WIDTH = 120
_CUT = "..."


def _window(line: str, start: int, stop: int) -> tuple[str, int, int]:
    """The part of `line` to show, with `start` and `stop` moved into it."""
    if len(line) <= EXCERPT_WIDTH:
        return line, start, stop
    begin = max(0, min(start - EXCERPT_WIDTH // 4, len(line) - EXCERPT_WIDTH))
    end = begin + EXCERPT_WIDTH
    head = _CUT if begin else ""
    tail = _CUT if end < len(line) else ""
    shift = len(head) - begin
    return head + line[begin:end] + tail, start + shift, min(stop, end) + shift


def excerpt(span: Span, source: str | None, color: bool = False) -> list[str]:
    """The source line of the span and a caret line under it (`^~~~` to the end column, or the line's end)."""
    return _excerpt(span, None if source is None else source.split("\n"), color)


def _excerpt(span: Span, lines: list[str] | None, color: bool) -> list[str]:
    if lines is None or not 1 <= span.line <= len(lines):
        return []
    line = lines[span.line - 1].rstrip("\r")
    start = max(span.column, 1) - 1
    stop = span.end_column - 1 if span.end_line == span.line else len(line)
    line, start, stop = _window(line, start, stop)
    line = visible(line)
    width = max(stop - start, 1)
    # Keep tabs as tabs in the padding so the caret lines up however the terminal expands them.
    pad = "".join(ch if ch == "\t" else " " for ch in line[:start])
    gutter = f"{span.line:>5} | "
    caret = _paint("^" + "~" * (width - 1), _CARET, color)
    return [f"{gutter}{line}".rstrip(), f"{' ' * (len(gutter) - 2)}| {pad}{caret}"]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _counts(diagnostics: Sequence[Diagnostic]) -> dict[Severity, int]:
    return {level: sum(1 for d in diagnostics if d.severity is level) for level in Severity}


def summary(diagnostics: Sequence[Diagnostic], files_checked: int) -> str:
    """`2 errors, 1 warning in 3 files` (`, 1 note` when there are notes)."""
    counts = _counts(diagnostics)
    parts = [_count(counts[Severity.ERROR], "error"), _count(counts[Severity.WARNING], "warning")]
    if counts[Severity.INFO]:
        parts.append(_count(counts[Severity.INFO], "note"))
    return f"{', '.join(parts)} in {_count(files_checked, 'file')}"


def _note(related: Related, color: bool) -> str:
    return f"  {_paint('note', _COLOUR[Severity.INFO], color)}: {_where(related.span)}: {visible(related.message)}"


def render_one(diagnostic: Diagnostic, source: str | None, color: bool = False) -> list[str]:
    return _render_one(diagnostic, None if source is None else source.split("\n"), color)


def _render_one(diagnostic: Diagnostic, lines: list[str] | None, color: bool, docs: str = "") -> list[str]:
    d = diagnostic
    head = (
        f"{_paint(_where(d.span), _BOLD, color)}: {_paint(d.severity.label, _COLOUR[d.severity], color)}: "
        f"{visible(d.message)} [{d.code}]"
    )
    out = [head, *_excerpt(d.span, lines if d.quote else None, color)]
    if d.hint:
        out.append(f"  hint: {visible(d.hint)}")
    out.extend(_note(related, color) for related in d.related)
    if docs:
        out.append(f"  docs: {docs}")
    return out


def render_text(
    diagnostics: Sequence[Diagnostic],
    sources: Mapping[str, str],
    files_checked: int,
    color: bool = False,
    docs: Mapping[str, str] | None = None,
) -> str:
    """Each finding with its excerpt, hint and notes (and, given `docs` {code: link}, a link to its rule's page),
    then the summary line."""
    # Each source is split into lines once: thousands of findings in one big file must not split it each time.
    split: dict[str, list[str] | None] = {}
    lines: list[str] = []
    for d in diagnostics:
        path = d.span.path
        if path not in split:
            source = sources.get(path)
            split[path] = None if source is None else source.split("\n")
        lines.extend(_render_one(d, split[path], color, (docs or {}).get(d.code, "")))
    lines.append(summary(diagnostics, files_checked))
    return "\n".join(lines) + "\n"


# --- json -------------------------------------------------------------------------------------------------


def _json_place(span: Span) -> dict[str, Any]:
    # A span always has an end; one that ends before it starts (never made on purpose) is shown as a point.
    end_line, end_column = (span.end_line, span.end_column)
    if (end_line, end_column) < (span.line, span.column):
        end_line, end_column = span.line, span.column
    return {
        "path": span.path,
        "line": span.line,
        "column": span.column,
        "end_line": end_line,
        "end_column": end_column,
    }


def json_summary(diagnostics: Sequence[Diagnostic], files_checked: int, entry_points: Sequence[str]) -> dict[str, Any]:
    """The counts the text format's last line gives (info findings count as notes, as there)."""
    counts = _counts(diagnostics)
    return {
        "errors": counts[Severity.ERROR],
        "warnings": counts[Severity.WARNING],
        "notes": counts[Severity.INFO],
        "files_checked": files_checked,
        "entry_points": list(entry_points),
    }


def render_json(diagnostics: Sequence[Diagnostic], files_checked: int = 0, entry_points: Sequence[str] = ()) -> str:
    """`{"diagnostics": [...], "summary": {...}}`. Each diagnostic keeps the first keys it had (path, line,
    column, severity, code, message) and adds end_line and end_column (exclusive, as spans count; a finding
    about a whole file or one point ends where it starts), hint (null when there is none) and notes (the
    related places, each with its own path, line, column, end and message)."""
    items = []
    for d in diagnostics:
        place = _json_place(d.span)
        item: dict[str, Any] = {
            "path": place["path"],
            "line": place["line"],
            "column": place["column"],
            "severity": d.severity.label,
            "code": d.code,
            "message": d.message,
            "end_line": place["end_line"],
            "end_column": place["end_column"],
            "hint": d.hint or None,
            "notes": [{**_json_place(r.span), "message": r.message} for r in d.related],
        }
        items.append(item)
    log = {"diagnostics": items, "summary": json_summary(diagnostics, files_checked, entry_points)}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


# --- github -----------------------------------------------------------------------------------------------


def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as data, plus `:` and `,` which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    lines = []
    for d in diagnostics:
        s = d.span
        props: dict[str, object] = {"file": s.path, "line": s.line, "col": s.column}
        if s.end_line != s.line:
            props["endLine"] = s.end_line
        elif s.end_column > s.column:
            props["endColumn"] = s.end_column
        props["title"] = d.code
        rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in props.items())
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        lines.append(f"::{_GITHUB_COMMAND[d.severity]} {rendered}::{escape_data(message)}")
    return "".join(line + "\n" for line in lines)
