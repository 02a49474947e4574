"""The include values read from tokens alone: every include the parser finds (never one too few), and
nothing from comments or strings that merely hold the word."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecconf.compiler.nodes import Include, Scalar, Scope, Statement
from ecconf.compiler.transform import parse_text, unescape
from ecconf.grammar import GrammarError
from ecconf.grammar.include_scan import include_values

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").rglob("*.conf"))


def _parsed_includes(body: list[Statement]) -> list[str]:
    out: list[str] = []
    for s in body:
        if isinstance(s, Scope):
            out += _parsed_includes(s.body)
        elif isinstance(s, Include) and isinstance(s.target, Scalar):
            out.append(s.target.value)
    return out


def _scanned(text: str) -> list[str]:
    return [unescape(v) if kind == "STRING" else v for kind, v in include_values(text)]


def test_strings_words_and_both_keywords_any_case_in_order() -> None:
    text = 'ESMTP_Listener {\n  include "listens.conf"\n  READONLY_INCLUDE conf.d\n}\ninclude "a \\"b\\".conf"\n'
    assert _scanned(text) == ["listens.conf", "conf.d", 'a "b".conf']


@pytest.mark.parametrize(
    "text",
    [
        '# include "no.conf"\n',
        '/* include "no.conf" */\n',
        'Banner = "include no.conf"\n',
        "Includes = yes\n",  # a longer word is not the keyword
        'include ( "a" )\n',  # a container names no file
        "include",
    ],
)
def test_comments_strings_longer_words_and_containers_name_no_file(text: str) -> None:
    assert _scanned(text) == []


def test_a_text_that_does_not_parse_is_still_scanned() -> None:
    assert _scanned('Listen ":25" {\n  include "ext.conf"\n') == ["ext.conf"]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_include_the_parser_finds_in_the_samples_is_scanned(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    try:
        parsed = _parsed_includes(parse_text(text, str(sample)).body)
    except GrammarError:
        return  # the broken samples: nothing the parser accepts to compare with
    scanned = _scanned(text)
    assert all(parsed.count(v) <= scanned.count(v) for v in parsed), (parsed, scanned)
