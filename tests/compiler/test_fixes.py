"""The deterministic fixes: what each one changes (and nothing else), and the guard — a fix that would not
leave the config parsing, or would change any finding but the one it fixes, is not applied — held over the
rules' own examples and the docs corpus, with suppressions and --select respected."""

from __future__ import annotations

import inspect
import re
import tempfile
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from hostile.config_strategies import Drawn, valid_configs
from hypothesis import HealthCheck, given, settings
from shared_paths import docs_corpus_files

from ecconf.compiler import fixes, rules
from ecconf.compiler.checker import CheckOptions, check
from ecconf.compiler.diagnostics import Diagnostic
from ecconf.compiler.fixes import Edit, fix_config
from ecconf.compiler.includes import load

OPTIONS = CheckOptions(check_files=False)


def write(path: Path, text: str) -> str:
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def findings(path: str, texts: dict[str, str] | None = None, options: CheckOptions = OPTIONS) -> list[Diagnostic]:
    return check(load(path, texts), options)[1]


def key(d: Diagnostic) -> tuple[str, str, str]:
    return (d.code, d.span.path, d.message)


def test_host_bits_are_cleared_quoted_or_bare_and_nothing_else_moves(tmp_path: Path) -> None:
    conf = write(
        tmp_path / "a.conf",
        'ESMTP_Listener {\r\n  Relay_Hosts = ( "10.0.0.1/8",192.168.1.5/24 ) # keep\r\n'
        '  Peer "2001:db8::1/32" { Open_Relay = false }\r\n}\r\n',
    )
    result = fix_config(conf, OPTIONS)
    assert [d.code for d in result.fixed] == ["E305"] * 3 and result.remaining == []
    assert result.texts[conf] == (
        'ESMTP_Listener {\r\n  Relay_Hosts = ( "10.0.0.0/8",192.168.1.0/24 ) # keep\r\n'
        '  Peer "2001:db8::/32" { Open_Relay = false }\r\n}\r\n'
    )


def test_a_shadowed_assignment_is_removed_with_its_line(tmp_path: Path) -> None:
    conf = write(
        tmp_path / "a.conf",
        "# about the hostname\nHostname = old # was\nHostname = mid\n\nHostname = new\nB = 1 Hostname = x\n",
    )
    result = fix_config(conf, OPTIONS)
    assert [d.code for d in result.fixed] == ["E203"] * 3
    assert result.texts[conf] == "# about the hostname\n\nB = 1 Hostname = x\n"


def test_a_duplicate_in_an_include_is_fixed_in_that_file(tmp_path: Path) -> None:
    write(tmp_path / "part.conf", "Idle_Time = 300\n")
    conf = write(
        tmp_path / "main.conf",
        'ESMTP_Listener {\n  Listen ":25" {\n    include part.conf\n    Idle_Time = 60\n  }\n}\n',
    )
    result = fix_config(conf, OPTIONS)
    assert result.texts[str(tmp_path / "part.conf")] == ""
    assert conf not in result.texts  # unchanged


def test_a_bare_word_in_typographic_quotes_becomes_a_string() -> None:
    from ecconf.compiler.diagnostics import Diagnostic as D
    from ecconf.compiler.span import Span
    from ecconf.grammar.cst import parse_tree

    text = "Domain \u201cgold.example.com\u201d { }\nA = ( \u201cx y\u201d \u201ca\\b\u201d )\nB = \u201ca\\\\b\u201d\n"
    trees = {"t.conf": parse_tree(text, "t.conf")}
    fixer = fixes.FIXES["E105"][1]

    def at(line: int, column: int) -> list[Edit] | None:
        return fixer(D("E105", "typographic quote", Span("t.conf", line, column, line, column + 1)), trees)

    edits = at(1, 8)
    assert edits is not None and fixes.apply(text, "", edits).startswith('Domain "gold.example.com" { }')
    edits = at(2, 7)  # `“x` and `y”` are two words, meant as one string
    assert edits is not None and fixes.apply(text, "", edits).splitlines()[1] == 'A = ( "x y" \u201ca\\b\u201d )'
    edits = at(2, 14)  # a backslash that is no escape reads the same in a string
    assert edits is not None and fixes.apply(text, "", edits).splitlines()[1] == 'A = ( \u201cx y\u201d "a\\b" )'
    assert at(3, 5) is None  # but `\\` is one: the string would read `a\b`


def test_a_fix_that_would_change_another_finding_is_not_applied(tmp_path: Path) -> None:
    # Removing the first Idle_Time would also make its E301 (not a number) go away: left for the author.
    conf = write(
        tmp_path / "a.conf", 'ESMTP_Listener {\n  Listen ":25" {\n    Idle_Time = soon\n    Idle_Time = 60\n  }\n}\n'
    )
    before = findings(conf)
    assert {"E203", "E301"} <= {d.code for d in before}
    result = fix_config(conf, OPTIONS)
    assert result.fixed == [] and [d.code for d in result.remaining] == ["E203"]
    assert result.texts.get(conf, Path(conf).read_text()) == Path(conf).read_text()


def test_a_fix_that_would_not_parse_is_not_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def breaks(finding: Diagnostic, *_context: object) -> list[Edit]:
        return [Edit(finding.span.path, 0, 0, "{")]

    monkeypatch.setitem(fixes.FIXES, "E305", ("breaks the file", breaks))
    conf = write(tmp_path / "a.conf", 'ESMTP_Listener {\n  Relay_Hosts = ( "10.0.0.1/8" )\n}\n')
    result = fix_config(conf, OPTIONS)
    assert result.fixed == [] and len(result.remaining) == 1


def test_suppressed_and_unselected_findings_are_not_fixed(tmp_path: Path) -> None:
    text = (
        'ESMTP_Listener {\n  Relay_Hosts = ( "10.0.0.1/8" ) # ecconf: disable=E305\n'
        '  Peer "10.1.2.3/16" { Open_Relay = false }\n}\nHostname = a\nHostname = b\n'
    )
    conf = write(tmp_path / "a.conf", text)
    result = fix_config(conf, CheckOptions(check_files=False, select=("E203",)))
    assert [d.code for d in result.fixed] == ["E203"]
    assert '"10.0.0.1/8"' in result.texts[conf] and '"10.1.2.3/16"' in result.texts[conf]
    result = fix_config(conf, OPTIONS)
    assert '"10.0.0.1/8"' in result.texts[conf] and '"10.1.0.0/16"' in result.texts[conf]


def _guard_holds(path: str) -> int:
    """Fix, then check independently: the result parses and has the findings it had less those fixed."""
    before = findings(path)
    result = fix_config(path, OPTIONS)
    after = findings(path, result.texts)
    if result.fixed:
        assert not any(d.code == "E100" for d in after)
    # A409's fix rewrites the model (the server stays the same): findings that name the legacy pair are
    # reworded, so there they compare by code and file.
    same = (lambda d: (d.code, d.span.path)) if any(d.code in fixes.SAME_SERVER for d in result.fixed) else key
    assert Counter(map(same, after)) == Counter(map(same, before)) - Counter(map(same, result.fixed))
    return len(result.fixed)


# Examples whose fix the guard refuses, and why: the refusal is the rule working, and a test keeps it so.
REFUSED_EXAMPLES = {
    "E201": "renaming SMTP_Extentions advertises AUTH PLAIN, which also ends an A402: another finding changes",
}


def _bad_examples() -> list[tuple[str, str]]:
    out = []
    for rule in rules.ALL:
        doc = inspect.getdoc(rule) or ""
        found = re.search(r"^Bad:\n(.*?)(?=^\S|\Z)", doc, re.S | re.M)
        if found:
            out.append((rule.CODE, textwrap.dedent(found.group(1))))
    return out


@pytest.mark.parametrize(("code", "example"), _bad_examples(), ids=[c for c, _ in _bad_examples()])
def test_the_guard_holds_over_the_rules_examples(code: str, example: str, tmp_path: Path) -> None:
    fixed = _guard_holds(write(tmp_path / "a.conf", example))
    if code in fixes.FIXES and code not in REFUSED_EXAMPLES:
        assert fixed, f"the example of fixable {code} was not fixed"
    if code in REFUSED_EXAMPLES:
        assert not fixed, REFUSED_EXAMPLES[code]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_the_guard_holds_over_drawn_configs(drawn: Drawn) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _guard_holds(write(Path(folder) / "drawn.conf", drawn.text))


def test_the_guard_holds_over_the_docs_corpus(tmp_path: Path) -> None:
    files = docs_corpus_files()
    if not files:
        pytest.skip("the shared corpus is not beside the checkout")
    fixed = 0
    for source in files:
        fixed += _guard_holds(write(tmp_path / source.name, source.read_bytes().decode("utf-8")))
    assert fixed > 0


def test_a_misspelt_name_is_renamed_to_the_one_close_documented_name(tmp_path: Path) -> None:
    text = 'Hostnme = "mx"\nESMTP_Listener {\n  SMTPExtensions = ( PIPELINING )\n  Listen ":25" { Idle_Tme = 30 }\n}\n'
    conf = write(tmp_path / "a.conf", text)
    result = fix_config(conf, OPTIONS)
    assert [d.code for d in result.fixed] == ["E201"] * 3
    assert result.texts[conf] == (
        'Hostname = "mx"\nESMTP_Listener {\n  SMTP_Extensions = ( PIPELINING )\n  Listen ":25" { Idle_Time = 30 }\n}\n'
    )


def test_a_rename_that_brings_a_new_finding_is_not_applied(tmp_path: Path) -> None:
    # `Idle_Time = soon` is not a number: renaming would trade E201 for E301.
    conf = write(tmp_path / "a.conf", 'ESMTP_Listener {\n  Listen ":25" { Idel_Time = soon }\n}\n')
    result = fix_config(conf, OPTIONS)
    assert result.fixed == [] and [d.code for d in result.remaining] == ["E201"]


def test_independent_fixes_are_checked_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    peers = "\n".join(f'  Peer "10.{i}.1.1/16" {{ Open_Relay = false }}' for i in range(60))
    conf = write(tmp_path / "a.conf", f"ESMTP_Listener {{\n{peers}\n}}\n")
    calls = []
    real = fixes._check
    monkeypatch.setattr(fixes, "_check", lambda *a: calls.append(1) or real(*a))
    result = fix_config(conf, OPTIONS)
    assert len(result.fixed) == 60 and result.remaining == []
    assert len(calls) == 2  # the findings, then all sixty fixes at once
    assert '"10.59.0.0/16"' in result.texts[conf]


LEGACY = """ESMTP_Listener {
  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" )
  Listen ":587" {
    SMTP_Extensions = (
      "STARTTLS"
    )
    AuthDigestMD5Parameters = [
      uri = "digest:passwords/digest.txt"
      extension = AUTH
      extension_argument = DIGEST-MD5
    ]
  }
  Listen ":25" { }
}
"""


def test_the_legacy_pair_becomes_items_of_every_list_in_force(tmp_path: Path) -> None:
    from ecconf.compiler.fix_legacy import same_server

    conf = write(tmp_path / "a.conf", LEGACY)
    result = fix_config(conf, OPTIONS)
    assert [d.code for d in result.fixed] == ["A409"]
    assert result.texts[conf] == LEGACY.replace(
        '"ENHANCEDSTATUSCODES" )', '"ENHANCEDSTATUSCODES" "AUTH DIGEST-MD5" )'
    ).replace('"STARTTLS"\n', '"STARTTLS" "AUTH DIGEST-MD5"\n').replace(
        "      extension = AUTH\n      extension_argument = DIGEST-MD5\n", ""
    )
    before, after = check(load(conf), OPTIONS)[0], check(load(conf, result.texts), OPTIONS)[0]
    assert same_server(before.config, after.config)


def test_the_legacy_pair_is_left_where_no_list_takes_the_items(tmp_path: Path) -> None:
    conf = write(
        tmp_path / "a.conf",
        LEGACY.replace('  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" )\n', "").replace(
            '    SMTP_Extensions = (\n      "STARTTLS"\n    )\n', ""
        ),
    )
    result = fix_config(conf, OPTIONS)
    assert result.fixed == [] and [d.code for d in result.remaining] == ["A409"]


def test_a_pair_that_advertises_nothing_is_removed(tmp_path: Path) -> None:
    conf = write(tmp_path / "a.conf", LEGACY.replace("extension = AUTH", "extension = SIZE"))
    result = fix_config(conf, OPTIONS)
    assert [d.code for d in result.fixed] == ["A409"]
    assert "extension" not in result.texts[conf].replace("SMTP_Extensions", "")


def test_two_dicts_advertising_the_same_mechanism_are_left(tmp_path: Path) -> None:
    # Each adds "AUTH PLAIN" once in all: moving one pair's items into the lists would list it twice.
    text = LEGACY.replace("AuthDigestMD5Parameters", "AuthPlainParameters").replace("DIGEST-MD5", "PLAIN")
    text = text.replace(
        '  Listen ":25" { }',
        '  Listen ":25" {\n    AuthPlainParameters = [ uri = "file:///p" extension = AUTH'
        " extension_argument = PLAIN ]\n  }",
    )
    conf = write(tmp_path / "a.conf", text)
    result = fix_config(conf, OPTIONS)
    assert result.fixed == [] and sorted(d.code for d in result.remaining) == ["A409", "A409"]
