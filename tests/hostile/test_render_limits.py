"""The renderer under hostile sources: output does not grow with the input, time grows linearly.

A 10 MB line is quoted as a window around the column (cut with "..."), a message that quotes a 10 MB name
keeps only its head and tail, and thousands of findings in one big file do not make the renderer re-split
that file for each of them.
"""

from __future__ import annotations

import time

import pytest

from ecconf.compiler.diagnostics import Diagnostic, Related
from ecconf.compiler.render import (
    EXCERPT_WIDTH,
    FORMATS,
    MESSAGE_WIDTH,
    RenderOptions,
    clip,
    excerpt,
    render,
    render_text,
)
from ecconf.compiler.span import Span

LONG = 10 * 2**20


def _caret_column(lines: list[str]) -> tuple[str, int]:
    """The shown source text and the index in it where the caret points."""
    source_line, caret_line = lines
    shown = source_line.split(" | ", 1)[1]
    return shown, caret_line.index("^") - caret_line.index("|") - 2


def test_caret_in_the_middle_of_a_10_mb_line_shows_a_window_around_it() -> None:
    column = LONG // 2
    line = "a" * (column - 1) + "XYZ" + "b" * (LONG - column)
    lines = excerpt(Span("big.conf", 1, column, 1, column + 3), line + "\n")
    assert sum(len(part) for part in lines) < 4 * EXCERPT_WIDTH
    shown, at = _caret_column(lines)
    assert shown.startswith("...") and shown.endswith("...")
    assert shown[at : at + 3] == "XYZ"
    assert lines[1].endswith("^~~")


def test_caret_near_either_end_of_a_long_line_cuts_one_side_only() -> None:
    line = "START" + "x" * LONG + "END"
    shown, at = _caret_column(excerpt(Span("big.conf", 1, 1, 1, 6), line))
    assert not shown.startswith("...") and shown.endswith("...") and shown[at:].startswith("START")
    end = len(line) - 2
    shown, at = _caret_column(excerpt(Span("big.conf", 1, end, 1, end + 3), line))
    assert shown.startswith("...") and shown.endswith("END") and shown[at:] == "END"


def test_a_span_running_past_the_window_stops_its_tildes_at_the_cut() -> None:
    line = "x" * LONG
    lines = excerpt(Span("big.conf", 1, 10, 1, LONG), line)
    shown, at = _caret_column(lines)
    assert at == 9 and shown.endswith("...")
    # The tildes end under the last character shown, not under the "..." and not 10 MB later.
    assert len(lines[1]) == len(lines[0]) - len("...")


def test_short_lines_are_shown_whole() -> None:
    line = "y" * EXCERPT_WIDTH
    shown, at = _caret_column(excerpt(Span("a.conf", 1, 7, 1, 8), line))
    assert shown == line and at == 6


def test_many_findings_in_one_big_file_render_in_linear_time() -> None:
    count = 20_000
    source = "".join(f"option_{i:06} = 1\n" for i in range(count))
    diagnostics = [Diagnostic("E201", "unknown", Span("big.conf", i + 1, 1, i + 1, 14)) for i in range(count)]
    started = time.perf_counter()
    out = render_text(diagnostics, {"big.conf": source}, 1)
    elapsed = time.perf_counter() - started
    assert out.count("\n") == 3 * count + 1
    # Splitting the 360 kB source once per finding took ~10 s; once per file it is a fraction of a second.
    assert elapsed < 3.0, f"{elapsed:.1f} s"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_message_quoting_a_10_mb_name_is_clipped_in_every_format(fmt: str) -> None:
    name = "n" * LONG
    huge = Diagnostic(
        "E201",
        f"{name!r} is not a valid option name in the global scope",
        Span("big.conf", 1, 1, 1, LONG + 1),
        hint=f"did you mean {name!r}?",
        related=(Related(Span("big.conf", 2, 1, 2, 2), f"first set here as {name!r}"),),
    )
    out = render([huge], RenderOptions(fmt), {"big.conf": name + " = 1\n"})
    assert len(out) < 8 * MESSAGE_WIDTH + 2048  # SARIF adds its fixed envelope
    assert "is not a valid option name in the global scope" in out  # the tail survives
    assert "'nnnn" in out and " ... " in out  # and the head, around the cut


def test_clip_keeps_short_text_and_bounds_long_text() -> None:
    assert clip("short") == "short"
    text = "h" * 1000 + "TAIL"
    clipped = clip(text)
    assert len(clipped) == MESSAGE_WIDTH and clipped.startswith("hhh") and clipped.endswith("TAIL")


def test_control_characters_from_the_input_never_reach_the_terminal() -> None:
    """An escape sequence in a config (or in a file name) is shown, not obeyed; a line break in a message does
    not forge a line of output; the caret still points at the right character."""
    source = 'Hostname = "\x1b[2J\x1b]0;owned\x07" \u202eevil\x00 \tX\n'
    column = source.index("X") + 1
    hostile = Diagnostic(
        "E301",
        "value '\x1b[31mred' is wrong\nfake.conf:1:1: error: forged [E999]",
        Span("dir\x1b[1m/a.conf", 1, column, 1, column + 1),
        hint="remove \x9b2J",
        related=(Related(Span("b\r.conf", 1, 1, 1, 2), "see \x1b[0m here"),),
    )
    out = render_text([hostile], {"dir\x1b[1m/a.conf": source}, 1)
    assert not [char for char in out if (char < " " and char not in "\n\t") or "\x7f" <= char < "\xa0"]
    assert "\u202e" not in out
    assert len(out.splitlines()) == 6  # head, source line, caret line, hint, note, summary: nothing forged
    _head, shown, caret, *_ = out.splitlines()
    assert shown.index("X") == caret.index("^")  # tabs kept as tabs, every other character one for one
