"""Hostile config text: `ecconf lint` and `ecconf json` refuse it with a positioned diagnostic, never a traceback.

Each case is one input an attacker, a broken editor or a bad generator could hand us. The verdict is the same
every time (hostile_cli.assert_refused): exit status 1 or 2, a `file:line:col:` diagnostic, output that does
not grow with the input, no traceback. Where the place is known exactly, the test checks it.
"""

from __future__ import annotations

import io
import os
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_cli import COMMANDS, DEEP, Ecconf, Run, assert_refused, write_input

from ecconf import pipeline
from ecconf.compiler import includes
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


# --- files that are not regular files -------------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> str:
    path = tmp_path / "pipe.conf"
    os.mkfifo(path)
    return str(path)


SPECIALS = ["/dev/zero", "fifo", "/dev/stdin"]


@pytest.mark.parametrize("special", SPECIALS)
def test_a_device_or_fifo_as_the_config_of_json_is_refused_at_once(
    ecconf_subprocess: Callable[..., Run], fifo: str, special: str
) -> None:
    """Nothing is read from them: /dev/zero never ends and a FIFO without a writer never starts. (`text`
    reads its input the way `json` does.)"""
    path = fifo if special == "fifo" else special
    run = ecconf_subprocess("json", path)  # standard input is /dev/null, not a regular file either
    assert assert_refused(run, path) == [(1, 1)]
    assert f"cannot read {path}: it is not a regular file" in run.both


def test_devices_and_fifos_given_to_lint_are_refused_at_once(ecconf_subprocess: Callable[..., Run], fifo: str) -> None:
    paths = [fifo if special == "fifo" else special for special in SPECIALS]
    run = ecconf_subprocess("lint", *paths)
    assert run.status == 2 and "Traceback" not in run.both, run.both
    for path in paths:  # lint reports an input it cannot read on its own, without a position
        assert f"ecconf: cannot read {path}: it is not a regular file" in run.err


# --- includes that cannot be followed -----------------------------------------------------------------


def _include(tmp_path: Path, target: str, *, scoped: bool = False) -> str:
    statement = f'include "{target}"'
    return write_input(tmp_path, "main.conf", f"ESMTP_Listener {{ {statement} }}\n" if scoped else statement + "\n")


def test_includes_of_devices_and_fifos_are_refused_at_the_include(
    ecconf_subprocess: Callable[..., Run], tmp_path: Path, fifo: str
) -> None:
    targets = ["/dev/zero", "/dev/stdin", "/dev/null", fifo]
    text = "ESMTP_Listener {\n" + "".join(f'  include "{target}"\n' for target in targets) + "}\n"
    main = write_input(tmp_path, "main.conf", text)
    run = ecconf_subprocess("lint", main)
    assert assert_refused(run, main) == [(2, 3), (3, 3), (4, 3), (5, 3)]
    assert run.both.count("it is not a regular file") == 4


@pytest.mark.parametrize("command", COMMANDS)
def test_include_loops_are_reported_at_the_include_that_closes_them(
    ecconf: Ecconf, tmp_path: Path, command: str
) -> None:
    write_input(tmp_path, "a.conf", 'include "b.conf"\n')
    b = write_input(tmp_path, "b.conf", '# back to a\ninclude "a.conf"\n')
    self_loop = write_input(tmp_path, "self.conf", 'Hostname = "x"\ninclude "."\n')  # the directory holds itself
    run = ecconf(command, str(tmp_path / "a.conf"))
    assert assert_refused(run, b) == [(2, 1)]
    assert "include cycle" in run.both
    run = ecconf(command, self_loop)
    assert (2, 1) in assert_refused(run, self_loop)


def test_include_of_a_directory_reads_its_files_not_its_subdirectories(ecconf: Ecconf, tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    bad = write_input(tmp_path, "d/a.conf", "Hostname = \n")
    write_input(tmp_path, "d/sub/never.conf", "this is never read {\n")
    main = _include(tmp_path, "d")
    run = ecconf("lint", main)
    assert assert_refused(run, bad) == [(2, 1)]
    assert "never.conf" not in run.both


def test_include_of_a_directory_of_10_000_files(ecconf: Ecconf, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for i in range(10_000):  # os.open: pathlib's write_text takes seconds for 10 000 files
        fd = os.open(tmp_path / "d" / f"f{i:05}.conf", os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, b"# a comment\n" if i != 9_999 else b"}\n")
        os.close(fd)
    main = _include(tmp_path, "d")
    run = ecconf("lint", main)
    assert assert_refused(run, str(tmp_path / "d" / "f09999.conf")) == [(1, 1)]
    assert "in 10001 files" in run.both


def test_include_of_a_name_too_long_for_the_file_system(ecconf: Ecconf, tmp_path: Path) -> None:
    main = _include(tmp_path, "n" * 5000)
    run = ecconf("lint", main)
    assert assert_refused(run, main) == [(1, 9)]
    assert "File name too long" in run.both


def test_include_of_a_directory_that_may_not_be_listed(
    ecconf: Ecconf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked").mkdir()
    main = _include(tmp_path, "locked")

    def refuse(path: object) -> list[str]:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(includes.os, "listdir", refuse)  # as root, chmod 000 would not stop us
    run = ecconf("lint", main)
    assert assert_refused(run, main) == [(1, 9)]
    assert "Permission denied" in run.both


def test_include_of_an_unreadable_file(ecconf: Ecconf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = write_input(tmp_path, "secret.conf", 'Hostname = "x"\n')
    os.chmod(secret, 0)
    if os.geteuid() == 0:  # root reads files whatever their mode: refuse the open the way the kernel would
        real_open = os.open

        def guarded(path: str, flags: int, *args: int, **kwargs: int) -> int:
            if str(path) == secret:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(includes.os, "open", guarded)
    main = _include(tmp_path, "secret.conf")
    run = ecconf("lint", main)
    assert assert_refused(run, main) == [(1, 1)]
    assert "Permission denied" in run.both


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


# --- files the config names ---------------------------------------------------------------------------


def test_tls_and_password_files_that_are_fifos_or_devices_are_refused_without_opening_them(
    ecconf_subprocess: Callable[..., Run], tmp_path: Path, fifo: str
) -> None:
    """Opening a FIFO nobody writes to blocks forever: the checks look at what a path is before opening it."""
    text = (
        "ESMTP_Listener {\n"
        '  SMTP_Extensions = ( "AUTH PLAIN LOGIN" "STARTTLS" )\n'
        '  AuthPlainParameters = [ uri = "file:///dev/zero" ]\n'
        f'  AuthLoginParameters = [ uri = "file://{fifo}" ]\n'
        '  TLS_Certificate = "/dev/zero"\n'
        f'  TLS_Key = "{fifo}"\n'
        '  Listen "127.0.0.1:2525" { }\n'
        "}\n"
    )
    path = write_input(tmp_path, "files.conf", text)
    run = ecconf_subprocess("lint", path)
    assert {(3, 27), (4, 27), (5, 21), (6, 13)} <= set(assert_refused(run, path))
    assert run.both.count("not a regular file") == 4


def _include_bomb(tmp_path: Path, levels: int) -> str:
    """`levels` files, each including the next ten times: 10**levels reads of the last one."""
    for level in range(levels):
        write_input(tmp_path, f"l{level}.conf", f'include "l{level + 1}.conf"\n' * 10)
    write_input(tmp_path, f"l{levels}.conf", 'Hostname = "x"  # ecconf: disable=E203\n')
    return str(tmp_path / "l0.conf")


def test_an_include_bomb_stops_at_the_file_limit(
    ecconf: Ecconf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(includes, "MAX_INCLUDED_FILES", 50)  # the real bound (10 000) takes seconds to reach
    root = _include_bomb(tmp_path, 4)  # 11 110 reads without a bound
    run = ecconf("lint", root)
    assert "the configuration already includes 50 files, the most ecconf reads" in run.both
    assert run.both.count("[E101]") == 1  # said once, at the include that would be one too many
    last = str(tmp_path / "l3.conf")
    # Reads, depth first: l1, l2, four whole l3 (4 x 11), a fifth l3 and three of its l4: 50. The fourth is one
    # too many.
    assert assert_refused(run, last) == [(4, 1)]


def test_an_include_bomb_stops_at_the_size_limit(
    ecconf: Ecconf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(includes, "MAX_TOTAL_CHARS", 1000)
    write_input(tmp_path, "big.conf", "# " + "x" * 600 + "\n")
    root = write_input(tmp_path, "main.conf", 'include "big.conf"\n' * 5)
    run = ecconf("lint", root)
    assert "already holds more than 1,000 characters" in run.both
    assert assert_refused(run, root) == [(3, 1)]  # two reads make 1 208 characters: the third is refused


# --- regular files that are not what they say ---------------------------------------------------------


def test_a_proc_file_that_says_it_is_empty_is_read_no_further_than_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """/proc files report size 0 and may go on (or block) forever: the size limit holds while reading."""
    assert os.stat("/proc/self/status").st_size == 0
    monkeypatch.setattr(includes, "MAX_FILE_BYTES", 10)
    text, problem = includes.read_text("/proc/self/status")
    assert text is None and problem is not None
    assert problem.message == "cannot read /proc/self/status: it is larger than 0 MiB"


def test_a_file_swapped_for_a_fifo_after_it_was_looked_at_is_not_waited_for(
    tmp_path: Path, fifo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the look (stat) and the open, a regular file can become a FIFO: the open must not block."""
    regular = os.stat(write_input(tmp_path, "regular.conf", "x = 1\n"))
    real_stat = os.stat

    def stale_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        return regular if str(path) == fifo else real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(includes.os, "stat", stale_stat)
    result: list[object] = []
    reader = threading.Thread(target=lambda: result.append(includes.read_text(fifo)), daemon=True)
    reader.start()
    reader.join(timeout=5)
    if reader.is_alive():  # set the blocked reader free before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=5)
        pytest.fail("read_text blocked opening a FIFO")
    [(text, problem)] = result  # type: ignore[misc]
    assert text is None and "it is not a regular file" in problem.message


@pytest.mark.skipif(not os.access("/proc/kmsg", os.R_OK), reason="needs a readable /proc/kmsg (root on Linux)")
def test_include_of_proc_kmsg_ends(ecconf_subprocess: Callable[..., Run], tmp_path: Path) -> None:
    """/proc/kmsg is a 'regular file' whose reads block until the kernel logs something."""
    main = _include(tmp_path, "/proc/kmsg")
    run = ecconf_subprocess("lint", main)
    assert assert_refused(run, main) == [(1, 1)]  # read without blocking: the first empty read is an error
    assert "cannot read /proc/kmsg" in run.both
