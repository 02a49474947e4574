"""E101 unreadable-file: files that cannot be read or are not UTF-8, at the right place."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.build import build
from ecconf.compiler.context import CheckContext
from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.includes import load
from ecconf.compiler.option_table import table
from ecconf.compiler.rules import unreadable_file as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E101"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("E101 ")


def test_doc_examples(tmp_path: Path) -> None:
    assert places(run(example("Bad"), tmp_path / "bad.conf")) == [(2, 1)]
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_included_file_not_utf8_points_at_the_byte(tmp_path: Path) -> None:
    (tmp_path / "latin1.conf").write_bytes(b'# ok\nBanner = "caf\xe9"\n')
    found = run('include "latin1.conf"\n', tmp_path / "main.conf")
    assert len(found) == 1
    assert found[0].span.path == str(tmp_path / "latin1.conf")
    assert (found[0].span.line, found[0].span.column) == (2, 14)
    assert "UTF-8" in found[0].message and "0xe9" in found[0].message
    assert "UTF-8" in found[0].hint


def test_root_that_is_a_directory(tmp_path: Path) -> None:
    loaded = load(str(tmp_path))
    built = build(loaded.root)
    ctx = CheckContext(built.config, built.facts, loaded, table(), list(loaded.problems))
    found = list(rule.check(ctx))
    assert len(found) == 1 and "directory" in found[0].message


def test_other_load_problems_are_not_this_rules(tmp_path: Path) -> None:
    assert run('include "nowhere.conf"\ninclude ( a b )\n', tmp_path / "main.conf") == []
