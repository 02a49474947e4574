"""Which terminal a token is: read from its first character where the terminals' own expressions allow only
one, else matched again exactly; every character belongs to some match."""

from __future__ import annotations

import pytest

from ecconf.grammar import LIMITS, Parser, get_compiled
from ecconf.grammar.scanner import first_characters, scanner_for
from ecconf.grammar.table_parser import TableParser
from ecconf.grammar.terms import COMMENT_TERMINALS


def chars(text: str) -> frozenset[int]:
    return frozenset(map(ord, text))


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        ("=", "="),
        ("ab|cd", "ac"),
        ("[x-z]+", "xyz"),
        ("(?:x)?y", "xy"),
        ("(?i:q)", "qQ"),
        ("(?i:(re_)?in)", "rRiI"),
        ("(?!/\\*)/x", "/"),  # a lookahead is not read: the answer may be too wide, never too narrow
        ('(?s:"[^"]*")', '"'),
        ("\\d", "0123456789"),
    ],
)
def test_first_characters(regex: str, expected: str) -> None:
    assert first_characters(regex) == chars(expected)


def test_a_negated_class_begins_with_everything_else() -> None:
    found = first_characters(r"[^\s#=]+")
    assert found is not None
    assert ord("a") in found and ord("/") in found
    assert not found & chars(" \t\n#=")


def test_an_expression_that_may_match_nothing_may_begin_with_anything() -> None:
    assert first_characters("x*") is None


def test_the_grammar_s_first_characters() -> None:
    scanner = scanner_for(get_compiled(), frozenset(COMMENT_TERMINALS))
    kinds = scanner.kind_by_first
    assert kinds['"'] == "STRING" and kinds["#"] == "LINE_COMMENT" and kinds["{"] == "LBRACE"
    assert kinds["a"] == kinds["Z"] == kinds["9"] == kinds[":"] == "WORD"
    assert "/" not in kinds  # a bare word (/tmp/sock) or a /* comment */: matched again to tell


NAMES = {rule.alias or rule.origin for rule in get_compiled().rules if not rule.origin.startswith("_")}
FAST = TableParser(get_compiled(), {n: (lambda c, n=n: (n, c)) for n in NAMES}, LIMITS, frozenset(COMMENT_TERMINALS))
SLOW = Parser({n: (lambda c, n=n: (n, c)) for n in NAMES})


@pytest.mark.parametrize(
    "text",
    [
        "Listen /tmp/sock { A = /x/y /* c */ B = /* d */ /z }",
        "A = é\nB = ünïcode/wörd",
        'A = ( "x" , y ,, "z" )  # end',
        "A = 1\n\n\t  ",
    ],
)
def test_tokens_that_need_a_second_look_are_told_apart_exactly(text: str) -> None:
    fast = FAST.parse(text)
    assert fast is not None
    slow = SLOW.parse_with_lark(text)
    assert fast == (slow.result, slow.comments)


@pytest.mark.parametrize("text", ["A = 1 \x00", "A = \x01 1", "A = 'x'", 'A = "open', "A = 1 # ok\n \x7f  "])
def test_a_character_no_terminal_matches_is_never_skipped(text: str) -> None:
    assert FAST.parse(text) is None
