"""Hostile config text: `ecconf lint` and `ecconf json` refuse it with a positioned diagnostic, never a traceback.

Each case is one input an attacker, a broken editor or a bad generator could hand us. The verdict is the same
every time (hostile_cli.assert_refused): exit status 1 or 2, a `file:line:col:` diagnostic, output that does
not grow with the input, no traceback. Where the place is known exactly, the test checks it.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_cli import COMMANDS, DEEP, Ecconf, Run, assert_refused, write_input

from ecconf import pipeline
from ecconf.compiler.includes import load_text
from ecconf.grammar import MAX_DEPTH

# --- nesting ------------------------------------------------------------------------------------------

NESTED = {
    "scopes": "a { " * DEEP + "} " * DEEP,
    "arrays": "x = " + "( " * DEEP + ") " * DEEP,
    "dicts": "x = " + "[ k = " * DEEP + "v" + " ]" * DEEP,
    "peers": "ESMTP_Listener { " + 'Peer "10.0.0.0/8" { ' * DEEP + "} " * DEEP + "}",
    "unclosed": "a { " * DEEP,
    "mixed": "a { x = " + "( [ k = " * DEEP,
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("shape", sorted(NESTED))
def test_deep_nesting_stops_at_the_bracket_that_goes_too_deep(
    ecconf: Ecconf, tmp_path: Path, shape: str, command: str
) -> None:
    text = NESTED[shape]
    path = write_input(tmp_path, "deep.conf", text)
    run = ecconf(command, path)
    assert_refused(run, path)
    assert f"nesting deeper than {MAX_DEPTH} levels" in run.both
    [(line, column)] = run.positions(path)
    opened = [i for i, char in enumerate(text) if char in "{[("]
    assert (line, column) == (1, opened[MAX_DEPTH] + 1)


def test_nesting_at_the_limit_is_accepted(ecconf: Ecconf, tmp_path: Path) -> None:
    text = "# ecconf: disable-file=E2\n" + "a { " * MAX_DEPTH + "} " * MAX_DEPTH + "\n"
    path = write_input(tmp_path, "limit.conf", text)
    run = ecconf("json", path)
    assert run.status == 0, run.both[:2000]
    assert run.out.count('"name": "a"') == MAX_DEPTH


def test_nesting_one_past_the_limit_points_at_that_bracket(ecconf: Ecconf, tmp_path: Path) -> None:
    text = "a {\n" * MAX_DEPTH + "  x = ( 1 )\n" + "}\n" * MAX_DEPTH
    path = write_input(tmp_path, "over.conf", text)
    run = ecconf("lint", path)
    assert_refused(run, path)
    assert run.positions(path) == [(MAX_DEPTH + 1, 7)]


def test_include_chain_counts_as_nesting(ecconf: Ecconf, tmp_path: Path) -> None:
    """1000 files, each including the next: stops at the include that goes too deep, not at Python's limit."""
    for i in range(1000):
        write_input(tmp_path, f"c{i}.conf", f'include "c{i + 1}.conf"\n' if i < 999 else 'Hostname = "x"\n')
    run = ecconf("lint", str(tmp_path / "c0.conf"))
    deepest = str(tmp_path / f"c{MAX_DEPTH}.conf")  # c0 sits at depth 0, c32 at depth 32
    assert_refused(run, deepest)
    assert run.positions(deepest) == [(1, 1)]
    assert f"nesting deeper than {MAX_DEPTH} levels" in run.both


def test_include_inside_scopes_counts_the_scopes(ecconf: Ecconf, tmp_path: Path) -> None:
    inner = write_input(tmp_path, "inner.conf", "b { " * 3 + "} " * 3 + "\n")
    depth = MAX_DEPTH - 3  # the include sits this deep; the included file adds one, its scopes three more
    outer = write_input(tmp_path, "outer.conf", "a { " * depth + 'include "inner.conf" ' + "} " * depth + "\n")
    run = ecconf("lint", outer)
    assert_refused(run, inner)
    assert run.positions(inner) == [(1, 11)]


# --- bytes that are not text, text that ends too soon ---------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("seed", range(4))
def test_random_bytes(ecconf: Ecconf, tmp_path: Path, seed: int, command: str) -> None:
    data = random.Random(seed).randbytes(4096)
    path = write_input(tmp_path, "random.conf", data)
    assert_refused(ecconf(command, path), path)


ENDINGS = {
    # (bytes, line and column of the one diagnostic)
    "invalid UTF-8": (b'Hostname = "caf\xe9"\n', (1, 16)),
    "a truncated UTF-8 sequence at the end": (b"Hostname = caf\xc3", (1, 15)),
    "a NUL byte": (b"Hostname = x\x00\n", (1, 13)),
    "NUL bytes only": (b"\x00" * 64, (1, 1)),
    "an unterminated string at the end": (b'ESMTP_Listener {\n  Banner_Hostname = "mx', (2, 21)),
    "a lone quote at the end": (b'Hostname = "', (1, 12)),
    "an unterminated comment at the end": (b"Hostname = x\n/* to be continued", (2, 1)),
    "a comment opener at the end": (b"Hostname = x /*", (1, 14)),
    "a scope still open at the end": (b'ESMTP_Listener {\n  Listen ":25" {\n', (3, 1)),
    "a name at the end": (b"Hostname", (1, 9)),
    "an equals sign at the end": (b"Hostname =", (1, 11)),
    "after a byte-order mark": (b"\xef\xbb\xbfHostname = = x\n", (1, 12)),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", sorted(ENDINGS))
def test_text_that_is_not_text_or_ends_too_soon(ecconf: Ecconf, tmp_path: Path, case: str, command: str) -> None:
    data, where = ENDINGS[case]
    path = write_input(tmp_path, "end.conf", data)
    assert assert_refused(ecconf(command, path), path) == [where]


def test_a_line_comment_may_end_the_file_without_a_newline(ecconf: Ecconf, tmp_path: Path) -> None:
    path = write_input(tmp_path, "ok.conf", 'Hostname = "mx.example.com" # the end')
    assert ecconf("lint", path).status == 0


# --- 10 MB on one line --------------------------------------------------------------------------------

TEN_MB = 10 * 2**20
LONG_LINES = {
    # (text, line and column of the one error)
    "string then stray brace": ('x = "' + "a" * TEN_MB + '" }', (1, TEN_MB + 8)),
    "word then name without value": ("x = " + "a" * TEN_MB + " y", (1, TEN_MB + 7)),  # at the end
    "unterminated string": ('x = "' + "a" * TEN_MB, (1, 5)),
    "unterminated comment": ("x = 1 /* " + "a" * TEN_MB, (1, 7)),
    "comment then stray brace": ("# " + "a" * TEN_MB + "\n}", (2, 1)),
}


@pytest.mark.parametrize("case", sorted(LONG_LINES))
def test_a_10_mb_line_gets_one_short_positioned_diagnostic(ecconf: Ecconf, tmp_path: Path, case: str) -> None:
    text, where = LONG_LINES[case]
    path = write_input(tmp_path, "long.conf", text)
    run = ecconf("lint", path)
    assert assert_refused(run, path) == [where]


@pytest.mark.parametrize("case", ["string then stray brace", "unterminated string", "unterminated comment"])
def test_a_10_mb_string_or_comment_is_lexed_in_one_stride(case: str) -> None:
    """The string and comment patterns must not step through a long token one backtracking frame per character."""
    text, (_line, column) = LONG_LINES[case]
    started = time.perf_counter()
    loaded = load_text(text, "long.conf")
    elapsed = time.perf_counter() - started
    assert [p.span.column for p in loaded.problems] == [column]
    assert elapsed < 1.5, f"{elapsed:.1f} s"  # ~0.2 s; the per-character patterns took 4-6 s


@pytest.mark.parametrize(
    "text",
    [
        "n" * TEN_MB + " = 1\n",  # an unknown option with a 10 MB name: the message quotes it, clipped
        'ESMTP_Listener { Listen "' + "9" * TEN_MB + '" { } }\n',  # a 10 MB Listen address
        "ESMTP_Listener { Idle_Time = " + "9" * TEN_MB + " }\n",  # a 10 MB number
    ],
    ids=["name", "listen", "number"],
)
def test_a_10_mb_name_or_value_gets_a_short_diagnostic(ecconf: Ecconf, tmp_path: Path, text: str) -> None:
    path = write_input(tmp_path, "long.conf", text)
    assert_refused(ecconf("lint", "--no-file-checks", path), path)


# --- standard input -----------------------------------------------------------------------------------


class EndlessZeros(io.RawIOBase):
    """/dev/zero as a stream; asking it for everything it has is the bug."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size is not None and size >= 0, "an endless stream was read to its end"
        return b"\0" * size


@pytest.mark.parametrize("reader", ["lint", "load"])
def test_endless_standard_input_is_refused_after_the_size_limit(reader: str) -> None:
    if reader == "lint":
        report = pipeline.lint_paths(["-"], stdin=EndlessZeros())  # type: ignore[arg-type]
        assert report.exit_status == 2
        [problem] = report.input_errors
    else:
        config, [diagnostic] = pipeline.load_config("-", stdin=EndlessZeros())  # type: ignore[arg-type]
        assert config is None
        problem = diagnostic.message
    assert problem.startswith("<stdin>: the input is larger than")


@pytest.mark.parametrize("command", COMMANDS)
def test_dev_zero_on_standard_input_ends(ecconf_subprocess: Callable[..., Run], command: str) -> None:
    run = ecconf_subprocess(command, "-", stdin="/dev/zero")
    assert run.status in (1, 2) and "Traceback" not in run.both
    assert "<stdin>" in run.both and "larger than" in run.both


# --- serve --------------------------------------------------------------------------------------------


def test_serve_refuses_a_hostile_config_with_the_diagnostics_lint_prints(
    ecconf_subprocess: Callable[..., Run], tmp_path: Path
) -> None:
    text = 'ESMTP_Listener { Listen "127.0.0.1:0" { } ' + "a { " * DEEP + "} " * DEEP + "}\n"
    path = write_input(tmp_path, "hostile.conf", text)
    run = ecconf_subprocess("serve", "--no-file-checks", path)
    opened = [i for i, char in enumerate(text) if char == "{"]
    assert assert_refused(run, path, statuses=(1,)) == [(1, opened[MAX_DEPTH + 1] + 1)]  # Listen closes first
    assert "not starting" in run.err and "listening on" not in run.err


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_serve_refuses_a_config_that_is_not_a_regular_file(
    ecconf_subprocess: Callable[..., Run], tmp_path: Path, fifo: str, special: str
) -> None:
    path = fifo if special == "fifo" else special
    run = ecconf_subprocess("serve", path)
    assert run.status == 2 and "Traceback" not in run.both, run.both
    assert f"ecconf: cannot read {path}: it is not a regular file" in run.err


def test_serve_refuses_a_directory(ecconf: Ecconf, tmp_path: Path) -> None:
    run = ecconf("serve", str(tmp_path))  # refused before anything starts: safe in this process
    assert run.status == 2 and f"ecconf: cannot read {tmp_path}: it is a directory" in run.err
