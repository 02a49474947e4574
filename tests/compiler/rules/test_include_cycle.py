"""E103 include-cycle: an include that leads back to a file being read."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import include_cycle as rule

run, example = bind(rule)


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
