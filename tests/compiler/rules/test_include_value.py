"""E104 include-value: include takes exactly one file or directory name."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from ecconf.compiler.build import build
from ecconf.compiler.context import CheckContext
from ecconf.compiler.diagnostics import Diagnostic, Severity
from ecconf.compiler.includes import load
from ecconf.compiler.option_table import table
from ecconf.compiler.rules import include_value as rule


def run(text: str, path: Path, *, check_files: bool = True) -> list[Diagnostic]:
    """This rule alone over `text`, written to `path` first so includes and relative paths resolve beside it."""
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    loaded = load(str(path))
    built = build(loaded.root)
    ctx = CheckContext(built.config, built.facts, loaded, table(), list(loaded.problems), check_files)
    return list(rule.check(ctx))


def example(label: str) -> str:
    found = re.search(rf"^{label}:\n(.*?)(?=^\S|\Z)", rule.__doc__ or "", re.S | re.M)
    assert found, f"{rule.CODE} has no {label} example"
    return found.group(1)


def places(diagnostics: list[Diagnostic]) -> list[tuple[int, int]]:
    return sorted((d.span.line, d.span.column) for d in diagnostics)


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
