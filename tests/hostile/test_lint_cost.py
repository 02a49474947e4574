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
