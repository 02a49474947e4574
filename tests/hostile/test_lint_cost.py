"""Small inputs that cost a lint minutes and gigabytes: each one under 100 KB, each linted within a deadline.

The issue's bar is two seconds on a quiet machine; the deadline here is generous (the test machine is shared)
and only tells "answered" from "still expanding". Without the bounds these runs took half a minute or more.
Each runs `python -m ecconf` in a child with that deadline and a memory limit (conftest.ecconf_subprocess).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from config_strategies import FULL_JSON
from hostile_cli import COMMANDS, Ecconf, Run, assert_refused, write_input

from ecconf.compiler.from_json import parse_json, to_model
from ecconf.compiler.includes import MAX_REPEATED_STATEMENTS
from ecconf.compiler.json_locate import Parts
from ecconf.compiler.rules.unknown_name import MAX_SUGGESTIONS
from ecconf.compiler.suppress import MAX_UNKNOWN_PER_COMMENT
from ecconf.compiler.to_text import Mark, TextMap, to_text

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
    root = _fan_out(tmp_path, 20, 200)  # 400 copies of leaf: 80 180 repeated statements
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
    # The E002 of the first comment (the first Hostname is no duplicate), the E001, and the E203 it fails to silence.
    assert sorted(run.positions(path)) == [(1, 1), (last, 1), (last + 1, 1)]


# --- JSON configs --------------------------------------------------------------------------------------


def _short_options(count: int) -> str:
    return json.dumps({"options": {f"z{i}": 1 for i in range(count)}}, separators=(",", ":"))


@pytest.mark.parametrize("command", COMMANDS)
def test_a_json_config_of_9_900_unknown_options(
    ecconf_subprocess: Callable[..., Run], tmp_path: Path, command: str
) -> None:
    """98 KB: each finding on the generated text was moved back into the JSON by a scan of all 20 000 places
    written (20 s)."""
    text = _short_options(9_900)
    assert len(text) < 100_000
    path = write_input(tmp_path, "options.json", text)
    run = ecconf_subprocess(command, "--no-file-checks", path, timeout=DEADLINE)
    assert run.status == 1, run.both[:2000]
    assert "Traceback" not in run.both
    assert run.both.count("[E201]") == 9_900
    positions = run.positions(path)
    assert positions[:3] == [(1, 13), (1, 20), (1, 27)]  # at each key: `{"options":{"z0":1,"z1":1,...`
    assert positions[-1] == (1, text.index('"z9899"') + 1)


def _reference_find(mapping: TextMap, line: int, column: int) -> tuple[Parts, str]:
    """What TextMap.find answers, by a scan of every mark: the innermost that holds the place."""
    best: Mark | None = None
    for mark in mapping.marks:
        if (mark.line, mark.column) <= (line, column) < (mark.end_line, mark.end_column) and (
            best is None or (mark.line, mark.column) >= (best.line, best.column)
        ):
            best = mark
    if best is not None:
        return best.parts, best.role
    return (mapping.lines[line - 1] if 1 <= line <= len(mapping.lines) else ()), "key"


def test_the_text_map_finds_what_a_scan_of_every_mark_finds(tmp_path: Path) -> None:
    """Every place of a generated text, strings over several lines and nested values included."""
    document = copy.deepcopy(FULL_JSON)
    document["hostname"] = "a\nb\nc"
    document["options"] = {"x_multi": ["p\nq", {"k": "r\ns\nt", "j": [1, "u\nv"]}], "y": [[["w"]]]}
    data, located, problems = parse_json(json.dumps(document), "full.json")
    assert not problems
    config, problems = to_model(data, located, "full.json")
    assert config is not None, problems
    rendered = to_text(config)
    lines = rendered.text.split("\n")
    for line in range(len(lines) + 2):
        width = len(lines[line - 1]) if 1 <= line <= len(lines) else 2
        for column in range(width + 3):
            assert rendered.map.find(line, column) == _reference_find(rendered.map, line, column), (line, column)


# --- "did you mean" ------------------------------------------------------------------------------------


def test_did_you_mean_is_looked_for_a_bounded_number_of_names(ecconf: Ecconf, tmp_path: Path) -> None:
    """Each look-up compares the name with every documented one (about a millisecond): 9 900 unknown names
    spent 1-7 s on them. Past the bound a name is still reported, without a suggestion."""
    names = [f"Spool_Bas{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(MAX_SUGGESTIONS + 50)]
    text = "".join(f'{name} = "x"\n' for name in names) + 'Spool_Basaa = "x"\n'  # a name already looked up
    path = write_input(tmp_path, "typos.conf", text)
    run = ecconf("lint", path)
    assert run.both.count("[E201]") == len(names) + 1
    assert run.both.count("did you mean 'spool_base'?") == MAX_SUGGESTIONS + 1
    assert run.positions(path)[: MAX_SUGGESTIONS + 1] == [(n, 1) for n in range(1, MAX_SUGGESTIONS + 2)]


def test_the_limits_scan_is_linear_in_strings_that_are_never_closed(tmp_path: Path) -> None:
    """`"\\` 50 000 times: each `"` made the string pattern run to the end of the text and fail (31 s)."""
    script = (
        "from ecconf.compiler.json_locate import first_excess\n"
        "assert first_excess('\"\\\\' * 50_000, 72, 4300) is None\n"
        # 9 characters, then the 72nd [ of the run is the 73rd level
        "assert first_excess('[\"[\\\\\"]\", ' + '[' * 80, 72, 4300) == (80, 'depth')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=DEADLINE)
    assert done.returncode == 0, done.stderr
