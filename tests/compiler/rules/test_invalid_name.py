"""E205 invalid-name: names with characters other than letters, digits, '_' and '-'."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import invalid_name as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E205"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("E205 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(2, 3), (3, 3)]
    by_line = {d.span.line: d for d in found}
    assert "':'" in by_line[2].message and 'Listen ":587"' in by_line[2].hint
    assert "'.'" in by_line[3].message and "scope" not in by_line[3].message
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_dashes_digits_and_underscores_are_fine(tmp_path: Path) -> None:
    text = 'radius "r" { NAS-IP-Address = 10.0.0.1 x25_Opt2 = 1 }\nSNMP { }\n'
    assert run(text, tmp_path / "main.conf") == []


def test_checked_inside_modules_and_included_files(tmp_path: Path) -> None:
    (tmp_path / "more.conf").write_text("scriptlet {\n  script@x = 1\n}\n")
    found = run('domain "example.com" { max.conns = 1 }\ninclude "more.conf"\n', tmp_path / "main.conf")
    assert sorted((d.span.path, d.span.line, d.span.column) for d in found) == [
        (str(tmp_path / "main.conf"), 1, 24),
        (str(tmp_path / "more.conf"), 2, 3),
    ]


def test_non_ascii_letters_are_named(tmp_path: Path) -> None:
    found = run("Café = 1\n", tmp_path / "main.conf")
    assert places(found) == [(1, 1)]
    assert "'é'" in found[0].message


def test_a_scope_with_an_instance_gets_the_plain_hint(tmp_path: Path) -> None:
    found = run('Listen:x "y" { }\n', tmp_path / "main.conf")
    assert found[0].hint.startswith("rename it")
