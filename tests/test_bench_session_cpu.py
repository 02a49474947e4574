"""bench/session_cpu.py: this checkout's CPU per PLAIN session against earlier commits, and its sub-section."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bench import report_datasources, report_session_cpu, session_cpu
from bench.session_cpu import Install


def install(label: str, cpu: list[float], instructions: float | None, target: bool = True) -> Install:
    loop = [c * 0.8 for c in cpu]
    return Install(label, "before something", "python", Path("."), cpu, loop, instructions, target)


def test_a_target_is_met_only_when_both_cpu_and_instructions_are_no_worse() -> None:
    now = install(session_cpu.HERE, [400, 500, 450], 1_200_000)
    faster_before = install("aaaa111", [380, 470, 430], 1_100_000)  # ratios above 1: not met
    slower_before = install("bbbb222", [440, 560, 500], 1_300_000)
    lines = report_session_cpu.render([now, faster_before, slower_before], ["a note"], 3, 2000, "python -m bench")
    text = "\n".join(lines)
    assert lines[0] == report_session_cpu.SUBHEADING
    assert "| this checkout | 450 | 360 | — | 1,200,000 | — |" in text
    assert "| aaaa111 (before something) | 430 | 344 | 1.053 (1.047 to 1.064) | 1,100,000 | 1.091 |" in text
    target = "| session CPU no worse than {} (before something) | CPU {}x, instructions {}x | **{}** |"
    assert target.format("aaaa111", "1.053", "1.091", "not met") in text
    assert target.format("bbbb222", "0.900", "0.923", "met") in text
    assert text.endswith("- a note")
    # Cheaper CPU with more instructions (or the reverse) is not "no worse".
    mixed = install("cccc333", [440, 560, 500], 1_100_000)
    assert "**not met**" in "\n".join(report_session_cpu.render([now, mixed], [], 3, 2000, "x"))
    # A commit shown for information is in the table but is no target.
    shown = "\n".join(report_session_cpu.render([now, install("dddd444", [1, 1, 1], 1, target=False)], [], 3, 20, "x"))
    assert "| dddd444 (before something) |" in shown and "no worse than dddd444" not in shown


def test_the_sub_section_is_replaced_alone_and_the_others_are_kept() -> None:
    first = report_session_cpu.render([install(session_cpu.HERE, [400.0], None)], [], 1, 20, "first run")
    text = "## Server\n\nkept before\n\n### Datasource stores (ecconf, PLAIN through auth_ds)\n\nstores\n\n"
    text = report_datasources.replace(text, first) + "\n### Later\n\nkept after\n"
    second = report_session_cpu.render([install(session_cpu.HERE, [300.0], None)], [], 1, 20, "second run")
    replaced = report_datasources.replace(text, second)
    assert "second run" in replaced and "first run" not in replaced
    assert replaced.count(report_session_cpu.SUBHEADING) == 1
    assert replaced.startswith("## Server\n\nkept before\n\n### Datasource stores") and "stores" in replaced
    assert replaced.endswith("### Later\n\nkept after\n")


def test_bursts_alternate_between_servers_and_are_measured_from_proc(tmp_path: Path) -> None:
    """Two servers of this checkout, side by side: every burst of each is measured, on the loop's thread too."""
    a, b = session_cpu.here(), session_cpu.here()
    per_burst = 200  # about a tenth of a second of CPU a burst: /proc counts in ticks
    session_cpu.measure_cpu([a, b], tmp_path, bursts=2, per_burst=per_burst, cpus=("0", "1"))
    # The process and its loop's thread are read one after the other, so each may be a tick apart.
    tick = 1e6 / os.sysconf("SC_CLK_TCK") / per_burst
    for measured in (a, b):
        assert len(measured.burst_cpu) == 2 and len(measured.burst_loop) == 2
        assert all(total > 0 for total in measured.burst_cpu)
        pairs = zip(measured.burst_loop, measured.burst_cpu, strict=True)
        assert all(0 <= loop <= total + 2 * tick for loop, total in pairs)
    median, q1, q3 = session_cpu.ratio(b, a)
    assert q1 <= median <= q3


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed (apt install valgrind)")
def test_instructions_are_counted_over_the_sessions_only(tmp_path: Path) -> None:
    measured = session_cpu.here()
    session_cpu.count_instructions(measured, tmp_path, sessions=20)
    # A session is about a million instructions; start-up (tens of millions) must not be in the count.
    assert measured.instructions is not None and 100_000 < measured.instructions < 10_000_000


def test_an_unknown_revision_is_a_note_not_a_crash(tmp_path: Path) -> None:
    installs, notes = session_cpu.measure((("no-such-commit", "nothing", True),), 1, 10, 0, lambda _line: None)
    assert [i.label for i in installs] == [session_cpu.HERE] and len(installs[0].burst_cpu) == 1
    assert any(note.startswith("no-such-commit not measured: git worktree") for note in notes)
