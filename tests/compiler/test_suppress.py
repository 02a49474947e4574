"""suppress.py: which lines and files a comment silences, and E001 for codes that name nothing."""

from __future__ import annotations

from pathlib import Path

from ecconf.compiler.diagnostics import Diagnostic
from ecconf.compiler.includes import load, load_text
from ecconf.compiler.nodes import Comment
from ecconf.compiler.span import Span
from ecconf.compiler.suppress import UNKNOWN_CODE, Suppressions, collect, parse_directive

KNOWN = ("A401", "A402", "E203", "E301", "W601")


def _collect(text: str, path: str = "t.conf") -> Suppressions:
    loaded = load_text(text, path)
    assert loaded.root is not None, loaded.problems
    return collect(((f, loaded.texts[p]) for p, f in loaded.files.items()), KNOWN)


def _silenced(s: Suppressions, code: str, line: int, path: str = "t.conf") -> bool:
    return s.silences(Diagnostic(code, "m", Span(path, line, 1, line, 2)))


def _comment(text: str) -> Comment:
    return Comment(text, Span("t.conf", 1, 1, 1, len(text) + 1))


def test_parse_forms() -> None:
    d = parse_directive(_comment("# ecconf: disable=A401, e203 because the legacy box needs it"))
    assert d is not None and (d.kind, d.codes) == ("disable", ("A401", "E203"))
    d = parse_directive(_comment("# ecconf: disable"))
    assert d is not None and d.codes == ("",)
    d = parse_directive(_comment("/* ecconf: disable-file=W6 */"))
    assert d is not None and (d.kind, d.codes) == ("disable-file", ("W6",))
    assert parse_directive(_comment("# ecconf: disabled=A401")) is None
    assert parse_directive(_comment("# just a comment about disable=A401")) is None


def test_trailing_comment_silences_its_own_line_only() -> None:
    s = _collect("Hostname = a  # ecconf: disable=A401,E2\nSpool_Base = b\n")
    assert _silenced(s, "A401", 1)
    assert _silenced(s, "E203", 1)  # by prefix
    assert not _silenced(s, "E301", 1)
    assert not _silenced(s, "A401", 2)
    assert s.problems == []


def test_bare_disable_silences_every_code_on_the_line() -> None:
    s = _collect("Hostname = a  # ecconf: disable\nSpool_Base = b\n")
    assert _silenced(s, "W601", 1) and _silenced(s, "E301", 1)
    assert not _silenced(s, "W601", 2)


def test_own_line_comment_silences_the_next_statement_over_all_its_lines() -> None:
    text = 'Hostname = a\n# ecconf: disable=A401\n\nSMTP_Extensions = (\n  "AUTH PLAIN"\n)\nSpool_Base = b\n'
    s = _collect(text)
    assert [line for line in range(1, 8) if _silenced(s, "A401", line)] == [4, 5, 6]


def test_own_line_comment_above_a_scope_covers_its_header_not_its_body() -> None:
    text = 'ESMTP_Listener {\n  # ecconf: disable=E301\n  Listen\n    ":25" {\n    Idle_Time = x\n  }\n}\n'
    s = _collect(text)
    assert [line for line in range(1, 8) if _silenced(s, "E301", line)] == [3, 4]


def test_own_line_comment_inside_a_scope_reaches_the_nested_statement() -> None:
    text = 'ESMTP_Listener {\n  Listen ":25" {\n    # ecconf: disable=E301\n    Idle_Time = x\n  }\n}\n'
    s = _collect(text)
    assert _silenced(s, "E301", 4) and not _silenced(s, "E301", 2)


def test_disable_file_anywhere_silences_the_whole_file_only() -> None:
    s = _collect("Hostname = a\nSpool_Base = b\n# ecconf: disable-file=W6\n")
    assert _silenced(s, "W601", 1) and _silenced(s, "W601", 99)
    assert not _silenced(s, "W601", 1, path="other.conf")
    assert not _silenced(s, "E301", 1)


def test_comment_at_end_of_file_silences_nothing() -> None:
    s = _collect("Hostname = a\n# ecconf: disable=A401\n")
    assert not any(_silenced(s, "A401", line) for line in range(1, 4))


def test_unknown_code_is_an_E001_at_the_comment() -> None:
    s = _collect("Hostname = a\nSpool_Base = b  # ecconf: disable=A4O1,A4,Z\n")
    assert [d.code for d in s.problems] == [UNKNOWN_CODE, UNKNOWN_CODE]
    assert "'A4O1'" in s.problems[0].message and "'Z'" in s.problems[1].message
    assert s.problems[0].span.line == 2 and s.problems[0].span.column == 17
    assert "#" not in s.problems[0].message


def test_equals_with_no_codes_is_an_E001_and_silences_nothing() -> None:
    s = _collect("Hostname = a  # ecconf: disable=\n")
    assert [d.code for d in s.problems] == [UNKNOWN_CODE]
    assert not _silenced(s, "A401", 1)


def test_suppressions_in_included_files_apply_to_that_file(tmp_path: Path) -> None:
    (tmp_path / "inc.conf").write_text("Hostname = a  # ecconf: disable=A401\n")
    main = tmp_path / "main.conf"
    main.write_text('include "inc.conf"\nSpool_Base = b\n')
    loaded = load(str(main))
    s = collect(((f, loaded.texts[p]) for p, f in loaded.files.items()), KNOWN)
    inc = str(tmp_path / "inc.conf")
    assert _silenced(s, "A401", 1, path=inc)
    assert not _silenced(s, "A401", 1, path=str(main))


# --- E002: a suppression that silences nothing --------------------------------------------------------


def _lint_codes(tmp_path: Path, text: str, *args: str) -> list[tuple[str, int]]:
    import json
    import subprocess
    import sys

    (tmp_path / "s.conf").write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ecconf", "lint", "--isolated", "--format=json", *args, "s.conf"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    return [(d["code"], d["line"]) for d in json.loads(done.stdout)["diagnostics"]]


DUPLICATES = (
    'Hostname = "mx.example.com"  # ecconf: disable=E203\n'
    "# ecconf: disable-file=A4\n"
    'ESMTP_Listener {\n  Listen ":25" {\n    SMTP_Extensions = ( "8BITMIME" )\n'
    '    SMTP_Extensions = ( "PIPELINING" )  # ecconf: disable=E203\n  }\n}\n'
)


def test_a_suppression_that_silences_nothing_is_reported_and_a_used_one_is_not(tmp_path: Path) -> None:
    assert _lint_codes(tmp_path, DUPLICATES) == [("E002", 1), ("E002", 2)]


def test_codes_whose_rules_did_not_run_are_not_judged(tmp_path: Path) -> None:
    assert _lint_codes(tmp_path, DUPLICATES, "--ignore=E2") == [("E002", 2)]
    assert _lint_codes(tmp_path, DUPLICATES, "--select=E2,E002") == [("E002", 1)]  # the A4 rules are off


def test_suppressions_of_rules_that_read_files_are_never_judged(tmp_path: Path) -> None:
    text = 'ESMTP_Listener {\n  Listen ":25" {\n    TLS_Certificate = "/nonexistent.pem"  # ecconf: disable=S505\n'
    text += '    AuthPlainParameters = [ uri = "file:pw" ]  # ecconf: disable=A412\n  }\n}\n'
    assert ("E002", 4) not in _lint_codes(tmp_path, text)
    assert [c for c in _lint_codes(tmp_path, text) if c[0] == "E002"] == []


def test_an_unused_suppression_can_itself_be_silenced_file_wide(tmp_path: Path) -> None:
    text = "# ecconf: disable-file=E002\n" + DUPLICATES
    assert _lint_codes(tmp_path, text) == []
