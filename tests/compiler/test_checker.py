"""checker.py: selection, severity stamping and overrides, suppressions, E001 and strict failure.

Stand-in rules (one flags every option named `Bad`, one every option named `Odd`) keep these tests independent
of which real rules are registered.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from ecconf.compiler import rules
from ecconf.compiler.build import iter_statements
from ecconf.compiler.checker import CheckOptions, check, failed, known_codes, parse_prefix, parse_severity
from ecconf.compiler.context import CheckContext
from ecconf.compiler.diagnostics import Diagnostic, Severity
from ecconf.compiler.includes import load_text
from ecconf.compiler.nodes import Option


def _flagging(code: str, name: str, severity: Severity) -> SimpleNamespace:
    def check_options(ctx: CheckContext) -> Iterator[Diagnostic]:
        for path, file in ctx.loaded.files.items():
            for statement in iter_statements(file.body):
                if isinstance(statement, Option) and statement.name.lower() == name.lower():
                    # Rules never set severity; this one tries to, and the checker must overrule it.
                    yield Diagnostic("X000", f"{name} in {path!r}", statement.name_span, Severity.INFO)

    return SimpleNamespace(CODE=code, SUMMARY=f"{name} found", DEFAULT_SEVERITY=severity, check=check_options)


@pytest.fixture(autouse=True)
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        rules, "ALL", (_flagging("T901", "Bad", Severity.ERROR), _flagging("T802", "Odd", Severity.WARNING))
    )


TEXT = "Bad = 1\nOdd = 2\n"


def _codes(text: str = TEXT, **options: object) -> list[tuple[str, str, int]]:
    _, found = check(load_text(text, "t.conf"), CheckOptions(**options))  # type: ignore[arg-type]
    return [(d.code, d.severity.label, d.span.line) for d in found]


def test_codes_and_default_severities_are_stamped_by_the_checker() -> None:
    assert _codes() == [("T901", "error", 1), ("T802", "warning", 2)]


def test_select_and_ignore_by_prefix() -> None:
    assert _codes(select=("T9",)) == [("T901", "error", 1)]
    assert _codes(select=("t",), ignore=("T90",)) == [("T802", "warning", 2)]
    assert _codes(ignore=("T",)) == []


def test_severity_override_longest_prefix_wins() -> None:
    found = _codes(severity=(("T", Severity.INFO), ("T802", Severity.ERROR)))
    assert found == [("T901", "info", 1), ("T802", "error", 2)]


def test_suppression_comment_removes_the_finding() -> None:
    assert _codes("Bad = 1  # ecconf: disable=T901\nOdd = 2\n") == [("T802", "warning", 2)]
    assert _codes("# ecconf: disable-file=T\nBad = 1\nOdd = 2\n") == []


def test_unknown_suppression_code_is_a_warning_that_selection_and_severity_reach() -> None:
    text = "Bad = 1  # ecconf: disable=T901,Q123\n"
    assert _codes(text) == [("E001", "warning", 1)]
    assert _codes(text, ignore=("E0",)) == []
    assert _codes(text, severity=(("E001", Severity.ERROR),)) == [("E001", "error", 1)]
    assert "E001" in known_codes() and "T901" in known_codes()


def test_e001_itself_can_be_silenced_file_wide() -> None:
    assert _codes("# ecconf: disable-file=E001\nBad = 1  # ecconf: disable=T901,Q123\n") == []


def test_failed_and_strict() -> None:
    _, found = check(load_text("Odd = 2\n", "t.conf"))
    assert not failed(found)
    assert failed(found, strict=True)
    _, found = check(load_text("Bad = 1\n", "t.conf"))
    assert failed(found)
    assert not failed([], strict=True)


def test_parse_prefix_and_severity() -> None:
    assert parse_prefix(" a4 ") == "A4"
    assert parse_severity("e203=Error") == ("E203", Severity.ERROR)
    assert parse_severity("W6=note") == ("W6", Severity.INFO)
    for bad in ("E2034", "4A", "", "all"):
        with pytest.raises(ValueError):
            parse_prefix(bad)
    for bad in ("E203", "E203=fatal", "=error"):
        with pytest.raises(ValueError):
            parse_severity(bad)


def test_default_options_keep_the_old_signature_working() -> None:
    built, found = check(load_text("Bad = 1\n", "t.conf"))
    assert built.config is not None
    assert [d.code for d in found] == ["T901"]
