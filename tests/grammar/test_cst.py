"""The lossless syntax tree gives back every byte: samples, the docs corpus, the Momentum samples, drawn
configs, and the corners (CRLF, a byte-order mark, comments of both kinds, strings over several lines)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile.config_strategies import Drawn, valid_configs
from hypothesis import HealthCheck, given, settings
from shared_paths import REPO, docs_corpus_files, momentum_sample_files

from ecconf.grammar import GrammarError
from ecconf.grammar.cst import Node, Token, Tree, parse_tree
from ecconf.grammar.table_parser import END

SAMPLES = sorted((REPO / "samples").rglob("*.conf"))


def _parses(path: Path) -> Tree | None:
    try:
        return parse_tree(path.read_bytes().decode("utf-8"), str(path))
    except GrammarError:
        return None


def _check(text: str) -> Tree:
    tree = parse_tree(text, "t.conf")
    assert tree.text() == text
    return tree


CORNERS = [
    "",
    "\n\n",
    "# only a comment",
    "/* only\r\n a block */",
    "\ufeffHostname = x\n",
    "A = 1\r\nB = ( a, b ,c )\r\n# c\r\n",
    'S "i" {\n  T = [ k = "v\\"" k2 ( 1 2 ) ]  # trailing\n}\n\n\n/* tail */ \t',
    'A = "over\r\nlines"\nB=C /*x*/D=E',
    "include /etc/x.conf\nreadonly_include\t'q'\n".replace("'q'", '"q"'),
    "A\f=\v1\n",
]


@pytest.mark.parametrize("text", CORNERS)
def test_corners_print_back_byte_for_byte(text: str) -> None:
    _check(text)


def test_tokens_carry_offsets_and_trivia() -> None:
    tree = _check("# head\r\nA = ( x, y ) # tail\r\n")
    tokens = list(tree.tokens())
    assert [t.kind for t in tokens] == ["WORD", "EQUALS", "LPAR", "WORD", "COMMA", "WORD", "RPAR", END]
    assert tokens[0].leading == "# head\r\n" and tokens[0].start == 8
    assert tokens[-1].leading == " # tail\r\n"
    for token in tokens:
        assert tree.text()[token.start : token.end] == token.text
    option = tree.root.children[0]
    assert isinstance(option, Node) and option.kind == "option"
    assert tree.offset(2, 5) == tokens[2].start  # a node's span maps to the tree
    assert tree.token_at(tree.offset(2, 7)) == tokens[3]


def test_a_bom_is_kept_aside() -> None:
    tree = _check("\ufeffA = 1\n")
    first = tree.root.first_token()
    assert tree.bom == "\ufeff" and isinstance(first, Token) and first.start == 0


def test_a_syntax_error_raises() -> None:
    with pytest.raises(GrammarError):
        parse_tree("A = {", "t.conf")


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(REPO)))
def test_samples(path: Path) -> None:
    tree = _parses(path)
    if tree is None:
        pytest.skip("does not parse (a sample of a syntax error)")
    assert tree.text() == path.read_bytes().decode("utf-8")


def test_docs_corpus_and_momentum_samples() -> None:
    files = docs_corpus_files() + momentum_sample_files()
    if not files:
        pytest.skip("the shared corpus is not beside the checkout")
    parsed = 0
    for path in files:
        tree = _parses(path)
        if tree is not None:
            assert tree.text() == path.read_bytes().decode("utf-8"), path
            parsed += 1
    assert parsed > len(files) // 2  # most snippets are whole statements


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_drawn_configs(drawn: Drawn) -> None:
    _check(drawn.text)
