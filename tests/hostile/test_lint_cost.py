"""Small inputs that cost a lint minutes and gigabytes: each one under 100 KB, each linted within a deadline.

The issue's bar is two seconds on a quiet machine; the deadline here is generous (the test machine is shared)
and only tells "answered" from "still expanding". Without the bounds these runs took half a minute or more.
Each runs `python -m ecconf` in a child with that deadline and a memory limit (conftest.ecconf_subprocess).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hostile_cli import Run, assert_refused, write_input

from ecconf.compiler.includes import MAX_REPEATED_STATEMENTS
from ecconf.compiler.suppress import MAX_UNKNOWN_PER_COMMENT

DEADLINE = 10.0  # seconds, Python's start included


# --- includes that fan out -----------------------------------------------------------------------------


def _fan_out(tmp_path: Path, width: int, leaf_statements: int) -> str:
    """main includes mid `width` times, mid includes leaf `width` times: width**2 copies of leaf."""
    write_input(tmp_path, "main.conf", 'include "mid.conf"\n' * width)
    write_input(tmp_path, "mid.conf", 'include "leaf.conf"\n' * width)
    write_input(tmp_path, "leaf.conf", "# ecconf: disable-file=E2\n" + 'Hostname = "x"\n' * leaf_statements)
    return str(tmp_path / "main.conf")


def test_an_include_fan_out_stops_at_the_repeated_statement_bound(
    ecconf_subprocess: Callable[..., Run], tmp_path: Path
) -> None:
    """8 KB of files that expand to 2.5 million statements (33 s and 2.5 GB before the bound)."""
    root = _fan_out(tmp_path, 100, 250)
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) < 100_000
    run = ecconf_subprocess("lint", root, timeout=DEADLINE)
    mid = str(tmp_path / "mid.conf")
    # Repeats, in reading order: 99 more leaves (24 750), then per further mid 100 + 100 x 250. The fourth mid
    # reaches 75 050, and its 100th leaf would make 100 050.
    assert assert_refused(run, mid) == [(100, 1)]
    assert run.both.count("[E101]") == 1
    assert f"repeats {MAX_REPEATED_STATEMENTS:,} statements of files it includes more than once" in run.both


def test_an_include_fan_out_under_the_bound_is_read_whole(
    ecconf_subprocess: Callable[..., Run], tmp_path: Path
) -> None:
    root = _fan_out(tmp_path, 20, 200)  # 400 copies of leaf, 79 600 repeated statements
    run = ecconf_subprocess("lint", root, timeout=DEADLINE)
    assert run.status == 0, run.both[:2000]
    assert "[E101]" not in run.both


def test_an_include_cycle_inside_a_fan_out_is_still_reported(
    ecconf_subprocess: Callable[..., Run], tmp_path: Path
) -> None:
    write_input(tmp_path, "main.conf", 'include "mid.conf"\n' * 50)
    write_input(tmp_path, "mid.conf", 'include "main.conf"\n')
    run = ecconf_subprocess("lint", str(tmp_path / "main.conf"), timeout=DEADLINE)
    assert assert_refused(run, str(tmp_path / "mid.conf")) == [(1, 1)]
    assert "[E103]" in run.both


# --- suppression comments ------------------------------------------------------------------------------


def _codes(count: int) -> str:
    return ",".join(f"X{i}" for i in range(count))


def test_a_comment_of_12_000_unknown_codes(ecconf_subprocess: Callable[..., Run], tmp_path: Path) -> None:
    """73 KB: 12 000 E001s, each finding matched against all 12 000 codes, took 15-40 s."""
    text = 'Hostname = "x"  # ecconf: disable=' + _codes(12_000) + "\n" + 'Hostname = "y"\n'
    path = write_input(tmp_path, "codes.conf", text)
    assert len(text) < 100_000
    run = ecconf_subprocess("lint", path, timeout=DEADLINE)
    assert run.status == 0, run.both[:2000]  # E001 and E203 are warnings
    assert run.both.count("[E001]") == MAX_UNKNOWN_PER_COMMENT + 1
    assert "'X0' is not the code or prefix of any rule" in run.both
    assert f"{12_000 - MAX_UNKNOWN_PER_COMMENT} more codes in this comment" in run.both
    assert run.positions(path).count((2, 1)) == 1  # the E203 on line 2 is not silenced by any X code


def test_a_file_wide_comment_of_unknown_codes_still_silences_its_known_ones(
    ecconf_subprocess: Callable[..., Run], tmp_path: Path
) -> None:
    text = "# ecconf: disable-file=" + _codes(6_000) + ",E2," + _codes(6_000) + "\n" + 'Hostname = "x"\n' * 2
    path = write_input(tmp_path, "file.conf", text)
    run = ecconf_subprocess("lint", path, timeout=DEADLINE)
    assert run.status == 0, run.both[:2000]
    assert "[E203]" not in run.both
    assert run.both.count("[E001]") == MAX_UNKNOWN_PER_COMMENT + 1  # X0..X5999 twice: each said once
    assert f"{6_000 - MAX_UNKNOWN_PER_COMMENT} more codes" in run.both


def test_thousands_of_comments_each_above_its_statement(ecconf_subprocess: Callable[..., Run], tmp_path: Path) -> None:
    text = '# ecconf: disable=E203\nHostname = "x"\n' * 2_500 + '# ecconf: disable=X1\nHostname = "y"\n'
    path = write_input(tmp_path, "many.conf", text)
    run = ecconf_subprocess("lint", path, timeout=DEADLINE)
    assert run.status == 0, run.both[:2000]
    last = 2 * 2_500 + 1
    assert sorted(run.positions(path)) == [(last, 1), (last + 1, 1)]  # the E001, and the E203 it fails to silence
