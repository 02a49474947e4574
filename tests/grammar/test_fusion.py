"""A one-line `name = value` read in one step (grammar/fusion.py) gives what token-by-token reading gives."""

from __future__ import annotations

import dataclasses

import pytest
from test_table_parser import ECHO, RULE_NAMES, sample_texts

from ecconf.grammar import LIMITS, get_compiled
from ecconf.grammar.table_parser import _UNFUSE, TableParser
from ecconf.grammar.terms import COMMENT_TERMINALS, FUSION

ECHO_BUILDERS = {name: (lambda children, name=name: (name, children)) for name in RULE_NAMES}
FUSED = TableParser(get_compiled(), ECHO_BUILDERS, LIMITS, frozenset(COMMENT_TERMINALS), FUSION)
PLAIN = TableParser(get_compiled(), ECHO_BUILDERS, LIMITS, frozenset(COMMENT_TERMINALS))

# Every place a `name = value` may stand, and the shapes around it that the scan must not swallow.
PLACES = [
    'A = "x"',
    "A = x\nB = y",
    'S { A = "x" B = y }',
    'S "i" { T { A = x } B = "y" }',
    "S = { A = x }",
    'A = [ k = v j = "w" ]',
    'A [ k = "v" ] B = c',
    'A = ( [ k = v ] [ "q" = w ] )',
    'A = [ k = [ j = v ] l = "m" ]',
    'include "x.conf"\nA = b',
    'readonly_include x\nA = "b"',
    'A = include\ninclude_dir = "x"',
    'A ="no\ngap"\tB= y  C\t=\t"z"',
    'A = "one\ntwo" B = c',  # a string over two lines, then more on its last line
    "A = b/*c*/ D = e",  # a word may hold `/*` after its first character
    "A = é B = ünï/wörd",
    'A = "x" # trailing\nB = /* before */ y',
    "A =\n  b",  # a line break after the `=`: read token by token
]


@pytest.mark.parametrize("text", PLACES)
def test_a_fused_statement_reads_as_its_tokens_do(text: str) -> None:
    fused = FUSED._parse(text, 0, FUSED._scan_fused)  # type: ignore[arg-type]
    assert fused is not _UNFUSE  # every valid place has its program
    assert fused is not None
    assert fused == PLAIN.parse(text)
    slow = ECHO.parse_with_lark(text)
    assert fused == (slow.result, slow.comments)


def test_the_scan_fuses_only_whole_one_line_statements() -> None:
    assert FUSED._scan_fused is not None
    matches = FUSED._scan_fused('A = "x"  B=y\nC =\nd E = ( f )')
    fused = [(m[1], m[3], m[5]) for m in matches if m[1]]
    assert fused == [("A", "=", '"x"'), ("B", "=", "y")]


def test_every_sample_takes_the_fused_path_and_agrees() -> None:
    for path in sample_texts():
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
        if PLAIN.parse(text) is None:
            continue  # a sample with a syntax error on purpose: the fused path must refuse it too
        assert FUSED._parse(text, 0, FUSED._scan_fused) == PLAIN.parse(text), path  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ['include = "x"', "A = b = c", "A = = b", 'A { B = "x"', "A = [ k = v", "( a = b )"])
def test_wrong_input_is_refused_on_the_fused_path_too(text: str) -> None:
    assert FUSED.parse(text) is None
    assert PLAIN.parse(text) is None


def test_a_state_without_its_program_falls_back_to_token_by_token() -> None:
    parser = TableParser(get_compiled(), ECHO_BUILDERS, LIMITS, frozenset(COMMENT_TERMINALS), FUSION)
    parser._programs = {}  # as if the table had no program anywhere
    text = 'S { A = "x" } B = [ k = v ]'
    assert parser._parse(text, 0, parser._scan_fused) is _UNFUSE  # type: ignore[arg-type]
    assert parser.parse(text) == PLAIN.parse(text) is not None


def test_tables_without_a_goto_give_no_program_rather_than_a_wrong_one() -> None:
    good = get_compiled()
    states = tuple({symbol: action for symbol, action in row.items() if symbol != "option"} for row in good.states)
    broken = TableParser(
        dataclasses.replace(good, states=states), ECHO_BUILDERS, LIMITS, frozenset(COMMENT_TERMINALS), FUSION
    )
    # Only dictionary entries still reduce all the way; no program ends in a state the table never reaches.
    assert broken._programs and len(broken._programs) < len(FUSED._programs)
    assert broken._parse('A = "x"', 0, broken._scan_fused) is _UNFUSE  # type: ignore[arg-type]
