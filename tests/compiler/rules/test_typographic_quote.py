"""E105 typographic-quote: curly quotes that parse, reported at the quote itself; paired ones in a string left alone."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import typographic_quote as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E105"
    assert rule.DEFAULT_SEVERITY is Severity.WARNING
    assert (rule.__doc__ or "").startswith("E105 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    # the bare word “gold.example.com”, the string "bc:10” " and the bare word bc:24”
    assert places(found) == [(1, 8), (2, 50), (2, 58)]
    assert "bare word" in found[0].message and 'write straight double quotes: "gold.example.com"' == found[0].hint
    assert "does not close the string" in found[1].message
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_paired_quotes_inside_a_string_are_text(tmp_path: Path) -> None:
    assert run('Banner_Hostname = "say “hello” to „them“"\n', tmp_path / "main.conf") == []


def test_quotes_in_comments_are_not_looked_at(tmp_path: Path) -> None:
    assert run("# Domain “x” { }\nA = 1 /* “y” */\n", tmp_path / "main.conf") == []


def test_a_string_spanning_lines_points_at_its_quote(tmp_path: Path) -> None:
    found = run('A = ("x”\n  more" b)\n', tmp_path / "main.conf")
    assert places(found) == [(1, 8)]


def test_quotes_in_an_included_file_point_into_it(tmp_path: Path) -> None:
    (tmp_path / "part.conf").write_text("Domain “example.org” { }\n", encoding="utf-8")
    found = run('include "part.conf"\n', tmp_path / "main.conf")
    assert [(Path(d.span.path).name, d.span.line, d.span.column) for d in found] == [("part.conf", 1, 8)]
