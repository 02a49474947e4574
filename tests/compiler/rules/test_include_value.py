"""E104 include-value: include takes exactly one file or directory name."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import include_value as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E104"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("E104 ")


def test_doc_examples(tmp_path: Path) -> None:
    assert places(run(example("Bad"), tmp_path / "bad.conf")) == [(1, 1)]
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_empty_name_and_dictionary(tmp_path: Path) -> None:
    found = run('include ""\nreadonly_include [ a = b ]\n', tmp_path / "main.conf")
    assert places(found) == [(1, 1), (2, 1)]


def test_bare_word_is_a_name(tmp_path: Path) -> None:
    (tmp_path / "x.conf").write_text("")
    assert run("include x.conf\n", tmp_path / "main.conf") == []
