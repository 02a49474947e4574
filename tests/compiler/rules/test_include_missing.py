"""E102 include-missing: a missing include target is reported at the target, with where we looked."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import include_missing as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E102"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("E102 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(1, 9)]
    assert str(tmp_path) in found[0].hint
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_relative_include_looks_beside_the_including_file(tmp_path: Path) -> None:
    sub = tmp_path / "conf.d"
    sub.mkdir()
    (sub / "listeners.conf").write_text('include "tls.conf"\n')
    (sub / "tls.conf").write_text("TLS_Protocols = TLSv1.2\n")
    # tls.conf sits beside listeners.conf, not beside main.conf: found, so nothing to report.
    assert run('include "conf.d/listeners.conf"\n', tmp_path / "main.conf") == []


def test_missing_file_inside_an_included_file(tmp_path: Path) -> None:
    (tmp_path / "a.conf").write_text('\n  include "gone.conf"\n')
    found = run('include "a.conf"\n', tmp_path / "main.conf")
    assert [(d.span.path, d.span.line, d.span.column) for d in found] == [(str(tmp_path / "a.conf"), 2, 11)]
    assert "'gone.conf'" in found[0].message


def test_include_inside_a_scope(tmp_path: Path) -> None:
    found = run('ESMTP_Listener {\n  readonly_include "listen.conf"\n}\n', tmp_path / "main.conf")
    assert places(found) == [(2, 20)]
