"""E103 include-cycle: an include that leads back to a file being read."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from ecconf.compiler.build import build
from ecconf.compiler.context import CheckContext
from ecconf.compiler.diagnostics import Diagnostic, Severity
from ecconf.compiler.includes import load
from ecconf.compiler.option_table import table
from ecconf.compiler.rules import include_cycle as rule


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
    assert rule.CODE == "E103"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("E103 ")


def test_doc_examples(tmp_path: Path) -> None:
    assert places(run(example("Bad"), tmp_path / "bad.conf")) == [(2, 1)]
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_two_files_including_each_other(tmp_path: Path) -> None:
    (tmp_path / "b.conf").write_text('Hostname = "mx"\ninclude "main.conf"\n')
    found = run('include "b.conf"\n', tmp_path / "main.conf")
    assert [(d.span.path, d.span.line, d.span.column) for d in found] == [(str(tmp_path / "b.conf"), 2, 1)]
    assert "cycle" in found[0].message


def test_the_same_file_included_twice_is_no_cycle(tmp_path: Path) -> None:
    (tmp_path / "common.conf").write_text("Idle_Time = 30\n")
    text = 'ESMTP_Listener {\n  Listen ":25" { include "common.conf" }\n  Listen ":587" { include "common.conf" }\n}\n'
    assert run(text, tmp_path / "main.conf") == []
