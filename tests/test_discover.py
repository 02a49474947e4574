"""Which files a lint run covers: directories walked with excludes, entry points chosen over the include graph,
and --select/--ignore/--severity codes that select nothing refused (exit 2) instead of silencing the linter."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from config_tree import run_lint as _lint
from config_tree import write_tree as _tree

from ecconf.discover import DEFAULT_EXCLUDE, entry_points, expand

MAIN = 'ESMTP_Listener {\n  Listen ":25" {\n    include "ext.conf"\n  }\n}\n'
FRAGMENT = 'SMTP_Extensions = ( "ENHANCEDSTATUSCODES" )\n'  # valid only inside a Listen: E202 when linted alone
OTHER = 'ESMTP_Listener { Listen ":26" { } }\n'


# --- walking directories --------------------------------------------------------------------------------


def test_a_directory_is_walked_sorted_for_configs_skipping_default_excludes(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "conf/b.conf": OTHER,
            "conf/a.conf": OTHER,
            "conf/sub/c.ecconf.json": "{}",
            "conf/notes.txt": "not a config",
            "conf/plain.json": "{}",
            "conf/.git/hooks.conf": OTHER,
            "conf/node_modules/x.conf": OTHER,
        },
    )
    found = expand([str(tmp_path / "conf")])
    assert found.walked and not found.empty
    assert [os.path.relpath(f, tmp_path) for f in found.files] == [
        "conf/a.conf",
        "conf/b.conf",
        "conf/sub/c.ecconf.json",
    ]


def test_exclude_replaces_the_defaults_and_extend_exclude_adds(tmp_path: Path) -> None:
    _tree(tmp_path, {"a.conf": OTHER, "legacy/old.conf": OTHER, "build/gen.conf": OTHER})
    names = lambda found: sorted(os.path.relpath(f, tmp_path) for f in found.files)  # noqa: E731
    assert names(expand([str(tmp_path)])) == ["a.conf", "legacy/old.conf"]  # build/ is a default exclude
    assert names(expand([str(tmp_path)], exclude=[])) == ["a.conf", "build/gen.conf", "legacy/old.conf"]
    assert names(expand([str(tmp_path)], extend_exclude=["legacy/*.conf"])) == ["a.conf"]
    assert "build" in DEFAULT_EXCLUDE


def test_files_named_directly_are_kept_even_when_excluded_and_missing_paths_pass_through(tmp_path: Path) -> None:
    _tree(tmp_path, {"build/gen.conf": OTHER})
    named = str(tmp_path / "build" / "gen.conf")
    missing = str(tmp_path / "nope.conf")
    assert expand([named, missing, "-"]).files == [named, missing, "-"]


def test_an_empty_directory_is_named(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    found = expand([str(tmp_path / "empty")])
    assert found.files == [] and found.empty == [str(tmp_path / "empty")]


# --- entry points ---------------------------------------------------------------------------------------


def test_a_file_another_includes_is_folded_into_it_whatever_the_order() -> None:
    includes = {"ext.conf": ["ext.conf"], "main.conf": ["main.conf", "ext.conf"], "other.conf": ["other.conf"]}
    points, folded = entry_points(["ext.conf", "main.conf", "other.conf"], includes)
    assert points == ["main.conf", "other.conf"]
    assert folded == {"ext.conf": "main.conf"}


def test_a_ring_of_includes_is_entered_at_its_first_file_and_a_ring_entered_from_outside_at_the_outside() -> None:
    ring = {"a.conf": ["a.conf", "b.conf"], "b.conf": ["b.conf", "a.conf"]}
    assert entry_points(["a.conf", "b.conf"], ring) == (["a.conf"], {"b.conf": "a.conf"})
    entered = {**ring, "main.conf": ["main.conf", "a.conf", "b.conf"]}
    points, folded = entry_points(["a.conf", "b.conf", "main.conf"], entered)
    assert points == ["main.conf"] and folded == {"a.conf": "main.conf", "b.conf": "main.conf"}


def test_two_spellings_of_one_file_are_one_entry_point(tmp_path: Path) -> None:
    _tree(tmp_path, {"a.conf": OTHER})
    plain, dotted = str(tmp_path / "a.conf"), os.path.join(tmp_path, ".", "a.conf")
    assert entry_points([plain, dotted], {plain: [plain], dotted: [dotted]})[0] == [plain]


# --- through the command line ---------------------------------------------------------------------------


def test_lint_of_a_directory_checks_a_fragment_in_the_context_of_its_includer(tmp_path: Path) -> None:
    _tree(tmp_path, {"conf/main.conf": MAIN, "conf/ext.conf": FRAGMENT, "conf/sub/other.conf": OTHER})
    _tree(tmp_path, {"lone/ext.conf": FRAGMENT})  # a copy that nothing includes: checked alone, as it is
    alone = _lint("lone/ext.conf", cwd=tmp_path)
    assert alone.returncode == 1 and "[E202]" in alone.stdout
    for args in (["conf"], ["conf/ext.conf", "conf/main.conf"]):
        done = _lint(*args, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "E202" not in done.stdout
    walked = _lint("conf", cwd=tmp_path)
    assert "checked 2 entry points: conf/main.conf, conf/sub/other.conf; 1 more file checked as their includes" in (
        walked.stderr
    )


def test_findings_in_a_folded_fragment_are_reported_once_at_the_fragment(tmp_path: Path) -> None:
    _tree(tmp_path, {"main.conf": MAIN, "ext.conf": FRAGMENT + 'SMTP_Extensions = ( "8BITMIME" )\n'})
    done = _lint("--format", "json", ".", "ext.conf", cwd=tmp_path)
    found = [(d["code"], d["path"], d["line"]) for d in json.loads(done.stdout)["diagnostics"]]
    assert found == [("E203", "ext.conf", 2)], found  # the duplicate assignment; no E202 from ext.conf alone


def test_a_directory_with_no_configs_warns_and_passes(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = _lint("empty", cwd=tmp_path)
    assert done.returncode == 0
    assert "empty: no config files" in done.stderr


@pytest.mark.parametrize(
    ("flag", "value", "said"),
    [
        ("--select", "Z9", "'Z9' matches no rule code"),
        ("--ignore", "E0,Q1", "'Q1' matches no rule code"),
        ("--severity", "Z9=error", "'Z9' matches no rule code"),
        ("--select", "A499", "did you mean"),
    ],
)
def test_a_code_that_selects_nothing_is_a_usage_error(tmp_path: Path, flag: str, value: str, said: str) -> None:
    _tree(tmp_path, {"a.conf": OTHER})
    done = _lint(f"{flag}={value}", "a.conf", cwd=tmp_path)
    assert done.returncode == 2
    assert said in done.stderr and done.stdout == ""


def test_a_known_prefix_is_accepted(tmp_path: Path) -> None:
    _tree(tmp_path, {"a.conf": OTHER})
    assert _lint("--select=A4,E1", "--ignore=S", "a.conf", cwd=tmp_path).returncode == 0
