"""The formatter: its layout, and its three promises over the samples, the docs corpus and drawn configs —
it is idempotent, it keeps every comment, and it never changes the meaning (`ecconf json` and the findings
are the same before and after)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hostile.config_strategies import Drawn, valid_configs
from hypothesis import HealthCheck, given, settings
from shared_paths import REPO, docs_corpus_files, momentum_sample_files

from ecconf.compiler.checker import CheckOptions, check
from ecconf.compiler.fmt import WIDTH, format_tree
from ecconf.compiler.fmt_guard import meaning, suppressed
from ecconf.compiler.includes import load_text
from ecconf.compiler.to_json import dumps
from ecconf.grammar import GrammarError
from ecconf.grammar.cst import parse_tree

PATH = "/nonexistent-ecconf-fmt/t.conf"
COMMENT = re.compile(r"#[^\r\n]*|/\*.*?\*/", re.S)


def fmt(text: str) -> str:
    return format_tree(parse_tree(text, PATH))


def comments(text: str) -> list[str]:
    return [c for t in parse_tree(text, PATH).tokens() for c in COMMENT.findall(t.leading)]


def json_and_findings(text: str, path: str) -> tuple[str, Counter[str]]:
    built, diagnostics = check(load_text(text, path), CheckOptions(check_files=False))
    return dumps(built.config), Counter(d.code for d in diagnostics)


def promises(text: str, path: str = PATH) -> str:
    once = format_tree(parse_tree(text, path))
    assert format_tree(parse_tree(once, path)) == once, "not idempotent"
    assert comments(once) == comments(text), "a comment was lost or moved out of order"
    assert meaning(once, path) == meaning(text, path)
    if suppressed(once, path) != suppressed(text, path):
        return once  # the command refuses such a file (test_fmt_cli); findings may then differ
    assert json_and_findings(once, path) == json_and_findings(text, path)
    return once


def test_layout() -> None:
    text = (
        "# head\n\n\n\nHostname=mx   # why\n"
        'ESMTP_Listener = {Listen ":587" {AuthPlainParameters [ "uri" = "file:///p" "a b" = 1 ]}}\n'
        "Relay_Hosts ( a,b , c )\n\n\n"
    )
    assert fmt(text) == (
        "# head\n"
        "\n"
        "Hostname = mx # why\n"
        "ESMTP_Listener {\n"
        '  Listen ":587" {\n'
        "    AuthPlainParameters = [\n"
        '      uri = "file:///p"\n'
        '      "a b" = 1\n'
        "    ]\n"
        "  }\n"
        "}\n"
        "Relay_Hosts = ( a b c )\n"
    )


def test_a_container_too_wide_gets_one_item_a_line_and_comments_stay() -> None:
    items = " ".join(f'"item-{i:03}"' for i in range(12))
    text = f"SMTP_Extensions = ( {items} )\nT = [ # on the opener\n k = v\n # before the close\n]\n"
    out = fmt(text)
    lines = out.splitlines()
    assert lines[0] == "SMTP_Extensions = (" and lines[1] == '  "item-000"' and lines[13] == ")"
    assert all(len(line) <= WIDTH for line in lines)
    assert lines[14:] == ["T = [ # on the opener", "  k = v", "  # before the close", "]"]


def test_crlf_stays_crlf_and_lf_stays_lf() -> None:
    assert fmt("A=1\r\nB  = 2\r\n") == "A = 1\r\nB = 2\r\n"
    assert fmt("A=1\nB  = 2") == "A = 1\nB = 2\n"
    assert fmt("\ufeffA=1\r\n") == "\ufeffA = 1\r\n"


def test_strings_and_words_are_written_as_they_were() -> None:
    text = 'A = "a\\"b\\\\c\\d"\nB = YES\nC = "x"\nD = [ "include" = 1 "k\\"" = 2 "ok" = 3 ]\n'
    assert fmt(text) == 'A = "a\\"b\\\\c\\d"\nB = YES\nC = "x"\nD = [\n  "include" = 1\n  "k\\"" = 2\n  ok = 3\n]\n'


def test_a_line_comment_inside_a_head_moves_to_the_end_of_its_line() -> None:
    assert fmt("Name # why\n= 1\nS /* b */ {\n}\n") == "Name = 1 # why\nS /* b */ { }\n"


def test_an_empty_scope_stays_on_one_line_unless_a_comment_is_inside() -> None:
    assert fmt('Listen "x" {\n\n}\nT = [ ]\n') == 'Listen "x" { }\nT = [ ]\n'
    assert fmt('Listen "x" { # why\n}\n') == 'Listen "x" { # why\n}\n'
    assert fmt("S {\n  # later\n}\n") == "S {\n  # later\n}\n"


def test_an_empty_file_stays_empty() -> None:
    assert fmt("") == "" and fmt("\n\n  \n") == ""
    assert fmt("\n# only\n\n") == "# only\n"


SAMPLES = sorted((REPO / "samples").rglob("*.conf"))


def _text(path: Path) -> str | None:
    text = path.read_bytes().decode("utf-8")
    try:
        parse_tree(text, str(path))
    except GrammarError:
        return None
    return text


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(REPO)))
def test_samples_keep_the_promises(path: Path) -> None:
    text = _text(path)
    if text is None:
        pytest.skip("a sample of a syntax error")
    promises(text, str(path))


def test_docs_corpus_and_momentum_samples_keep_the_promises(tmp_path: Path) -> None:
    files = docs_corpus_files() + momentum_sample_files()
    if not files:
        pytest.skip("the shared corpus is not beside the checkout")
    for path in files:
        text = _text(path)
        if text is not None:
            promises(text, str(tmp_path / path.name))  # includes resolve to nothing, the same both times


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_drawn_configs_keep_the_promises(drawn: Drawn) -> None:
    promises(drawn.text)


def _examples() -> list[str]:
    import inspect
    import textwrap

    from ecconf.compiler import rules

    out = []
    for rule in rules.ALL:
        doc = inspect.getdoc(rule) or ""
        out += [textwrap.dedent(m) for m in re.findall(r"^(?:Bad|Good):\n(.*?)(?=^\S|\Z)", doc, re.S | re.M)]
    return out


def test_rule_examples_keep_the_promises(tmp_path: Path) -> None:
    for example in _examples():
        if _text_parses(example):
            promises(example, str(tmp_path / "a.conf"))


def test_suppression_comments_moved_with_their_line_still_suppress_what_they_did(tmp_path: Path) -> None:
    text = (
        "# ecconf: disable-file=E201\n"
        "Hostnme = a\n"
        'ESMTP_Listener { Relay_Hosts = ( "10.0.0.1/8" ) # ecconf: disable=E305\n'
        "  # ecconf: disable=E203\n"
        "  Idle_Time = 1\n  Idle_Time = 2 # ecconf: disable=E203\n"
        '  Peer "10.1.2.3/16" # ecconf: disable=E305\n  { Open_Relay = false } }\n'
    )
    path = str(tmp_path / "a.conf")
    once = fmt(text)
    assert suppressed(once, path) != suppressed(text, path)  # ESMTP_Listener leaves the E305 line...
    assert json_and_findings(once, path) == json_and_findings(text, path)  # ...where no E305 can be


def test_a_layout_that_would_move_a_place_out_of_a_suppression_is_seen() -> None:
    # Both on the line the comment covers; split, the second (where E203 is reported) is no longer covered.
    text = "ESMTP_Listener {\n  # ecconf: disable=E203\n  Idle_Time = 1   Idle_Time = 2\n}\n"
    assert suppressed(fmt(text), PATH) != suppressed(text, PATH)


def _text_parses(text: str) -> bool:
    try:
        parse_tree(text, PATH)
    except GrammarError:
        return False
    return True
