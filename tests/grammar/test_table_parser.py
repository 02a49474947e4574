"""The fast LALR driver accepts exactly what Lark accepts and builds exactly what Lark's tree would give.

Two builders are used: an echo builder (every rule returns its name and children, so the comparison sees the
raw shape: which tokens, which splices, which positions) and the compiler's own node builders.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hostile.config_strategies import Drawn, mutated_configs, valid_configs
from hypothesis import HealthCheck, given, settings
from shared_paths import REPO, momentum_sample_files

from ecconf.compiler import transform
from ecconf.grammar import LIMITS, MAX_DEPTH, GrammarError, NestingTooDeep, Parser, get_compiled
from ecconf.grammar.table_parser import TableParser
from ecconf.grammar.terms import COMMENT_TERMINALS

BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RULE_NAMES = {rule.alias or rule.origin for rule in get_compiled().rules if not rule.origin.startswith("_")}


def _echo(name: str):  # type: ignore[no-untyped-def]
    return lambda children: (name, children)


ECHO = Parser({name: _echo(name) for name in RULE_NAMES})


def sample_texts() -> list[Path]:
    found = sorted(REPO.glob("samples/**/*.conf")) + sorted(REPO.glob("ecconf/samples/*.conf"))
    return found + momentum_sample_files()


def both(text: str, depth: int = 0) -> tuple[object, object]:
    """(fast driver's answer or None, Lark's answer or the exception type it raised)."""
    fast = ECHO._fast.parse(text, depth)
    try:
        slow = ECHO.parse_with_lark(text, depth)
    except (GrammarError, NestingTooDeep) as exc:
        return fast, type(exc)
    return fast, (slow.result, slow.comments)


def assert_agree(text: str) -> None:
    """Lark raised -> the driver handed over (None); Lark accepted -> the driver gave the same result."""
    fast, slow = both(text)
    if isinstance(slow, type):
        assert fast is None, text
    else:
        assert fast is not None, text
        assert fast == slow, text


@pytest.mark.parametrize("path", sample_texts(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_agrees_with_lark(path: Path) -> None:
    assert_agree(path.read_text(encoding="utf-8").removeprefix("\ufeff"))


@BOUNDED
@given(valid_configs())
def test_drawn_configs_take_the_fast_path_and_match_lark(drawn: Drawn) -> None:
    text = drawn.text.removeprefix("\ufeff")
    fast, slow = both(text)
    assert fast is not None, text
    assert fast == slow


@BOUNDED
@given(mutated_configs())
def test_mutants_are_refused_exactly_where_lark_refuses_them(drawn: Drawn) -> None:
    assert_agree(drawn.text.removeprefix("\ufeff"))


@pytest.mark.parametrize(
    "text",
    [
        'A = "never closed',
        "A = 1 }",
        "A { B = 1",
        "A = = 1",
        "A = 'single'",
        "A = 1 */",
        "/* never closed",
        "A = \x00",
        "include { }",
        'include = "x"',
        "A = (" * (MAX_DEPTH + 1),
    ],
)
def test_wrong_input_is_left_to_lark(text: str) -> None:
    fast, slow = both(text)
    assert fast is None
    assert slow in (NestingTooDeep, GrammarError)


def test_nesting_counts_from_the_depth_the_text_already_sits_at() -> None:
    text = "A { " * 3 + "}" * 3
    assert both(text, depth=MAX_DEPTH - 3)[0] is not None
    fast, slow = both(text, depth=MAX_DEPTH - 2)
    assert fast is None and slow is NestingTooDeep


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('include "x.conf"', "INCLUDE"),
        ('ReadOnly_Include "x.conf"', "INCLUDE"),
        ("A = include", "WORD"),
        ("include_dir = 1", "WORD"),
        ("A = ( include )", "WORD"),
    ],
)
def test_include_is_a_keyword_only_where_a_statement_may_start(text: str, kind: str) -> None:
    fast, slow = both(text)
    assert fast is not None and fast == slow
    assert repr(fast).count(f"'{kind}'") >= 1


def test_positions_of_tokens_that_span_lines() -> None:
    text = 'A = "one\ntwo"  /* x\n\n y */ B = 2\n'
    fast, slow = both(text)
    assert fast == slow
    result, comments = fast  # type: ignore[misc]
    assert comments == [("BLOCK_COMMENT", "/* x\n\n y */", 2, 7, 4, 6)]
    b_option = result[1][1]
    assert b_option[1][0][2:] == (4, 7, 4, 8)  # `B` starts after the comment, on line 4


def test_trailing_white_space_and_an_empty_text_are_accepted() -> None:
    for text in ("", "  \n\t\n", "A = 1 \n\n  ", "# only\n"):
        fast, slow = both(text)
        assert fast is not None and fast == slow


def test_compiler_nodes_from_both_paths_are_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (REPO / "samples" / "fallback" / "relay-tls.conf").read_text(encoding="utf-8")
    fast = transform.parse_text(text, "relay-tls.conf")
    monkeypatch.setattr(Parser, "parse", Parser.parse_with_lark)
    slow = transform.parse_text(text, "relay-tls.conf")
    assert fast == slow
    assert fast.body and fast.comments


def test_tables_that_do_not_hold_together_fall_back_to_lark() -> None:
    good = get_compiled()
    # A damaged cache could lose a goto entry yet still pass its checks: every reduce to `option` then fails.
    states = tuple({symbol: action for symbol, action in row.items() if symbol != "option"} for row in good.states)
    broken = dataclasses.replace(good, states=states)
    parser = Parser(ECHO._builders)  # type: ignore[attr-defined]
    parser._fast = TableParser(broken, ECHO._builders, LIMITS, frozenset(COMMENT_TERMINALS))  # type: ignore[attr-defined]
    text = 'A = "x"  # c\n'
    assert parser.parse(text) == ECHO.parse_with_lark(text)
