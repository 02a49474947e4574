"""Syntax errors, told the way an operator reads them: message, line, column and hint for each bad input.

Goes through compiler.includes.parse_source, which hands lark's exception to grammar.explain: the same path a
file takes in `ecconf lint`. No message or hint may show parser internals.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecconf.compiler.diagnostics import Diagnostic
from ecconf.compiler.includes import parse_source

PATH = "bad.conf"
INTERNALS = re.compile(
    r"Token\(|Expected one of|RBRACE|LBRACE|RSQB|LSQB|RPAR|LPAR|EQUALS|\$END|__ANON|_STATEMENT|WORD\b"
)


def error(text: str) -> Diagnostic:
    tree, problem = parse_source(text, PATH)
    assert tree is None and problem is not None, f"{text!r} parsed"
    assert problem.code == "E100"
    return problem


# text, message fragment, line, column, hint fragment
CASES = [
    # never closed: reported at the end of the file, with where it was opened
    ('ESMTP_Listener {\n  Listen ":25" {\n  }\n', "scope opened at line 1, column 16 is never closed", 4, 1, "add '}'"),
    ("A = ( a b", "array opened at line 1, column 5 is never closed", 1, 10, "add ')'"),
    ("A = [ k = ", "dictionary opened at line 1, column 5 is never closed", 1, 11, "add ']'"),
    ("A {\n B = 1\n", "scope opened at line 1, column 3 is never closed", 3, 1, "add '}'"),
    ("A {\r\n  B = (\r\n", "array opened at line 2, column 7 is never closed", 3, 1, "add ')'"),
    ("A = {", "scope opened at line 1, column 5 is never closed", 1, 6, "add '}'"),
    # the wrong closer
    ("A { B = ( }", "'}' does not close the array opened at line 1, column 9", 1, 11, "close the array with ')' first"),
    ("A = [ k = v }", "'}' does not close the dictionary opened at line 1, column 5", 1, 13, "with ']' first"),
    ("A = ( a ]", "']' does not close the array opened at line 1, column 5", 1, 9, "with ')' first"),
    ("A {\r\n  B = ( a ]\r\n}", "']' does not close the array opened at line 2, column 7", 2, 11, "')'"),
    # a closer with nothing open
    ("}", "'}' closes no scope", 1, 1, "remove it"),
    ('Listen ":25" { } }', "'}' closes no scope", 1, 18, "remove it"),
    # strings, comments and quotes
    ('A = "unterminated', "unterminated string", 1, 5, 'write \\"'),
    ('X {\n  A = 1\n  B = "multi\nline\n}\n', "unterminated string", 3, 7, "matching '\"'"),
    ('A = "x\r\n', "unterminated string", 1, 5, "matching"),
    ('A = "\\"', "unterminated string", 1, 5, "matching"),
    ("A = /*x", "unterminated comment", 1, 5, "add '*/'"),
    ("/* open\n\nA = 1", "unterminated comment", 1, 1, "'*/'"),
    ("A = 'x'", "single quotes do not delimit strings", 1, 5, "double quotes"),
    ("\tA = ( 'x' )", "single quotes", 1, 8, "double quotes"),
    # missing values and names
    ("A =", "a value is missing", 1, 4, "add a value"),
    ("A = )", "a value is missing before ')'", 1, 5, "add a value"),
    ("A = }", "a value is missing before '}'", 1, 5, "add a value"),
    ("{", "'{' needs a name before it", 1, 1, "`Name { ... }`"),
    ("= 1", "'=' needs a name before it", 1, 1, "`Name = value`"),
    ("A { = }", "'=' needs a name before it", 1, 5, "`Name = value`"),
    # names not followed by what a statement needs
    ('A "q" = 1', "expected '{' but found '='", 1, 7, "a scope needs braces"),
    ('S "a" "b" { }', "expected '{' but found the string \"b\"", 1, 7, "a scope needs braces"),
    ("A B", "unexpected end of file: expected '{'", 1, 4, "an option needs '='"),
    ("A { B }", "'B' must be followed by '=' and a value, or by '{'; found '}'", 1, 7, "`B = value`"),
    # dictionaries
    ("A = [ k = 1, l = 2 ]", "dictionary entries are not separated by commas", 1, 12, "[ a = 1 b = 2 ]"),
    ("A = [ k = v, ]", "not separated by commas", 1, 12, "[ a = 1 b = 2 ]"),
    ("A = [ k ]", "a dictionary key must be followed by '=' and a value; found ']'", 1, 9, "[ key = value ]"),
    ('A = [ "k" ]', "a dictionary key must be followed by '='", 1, 11, "[ key = value ]"),
    # typographic quotes and Unicode spaces: reported where they stand, not where the parser gave up
    ("A {\n  U = “%{x}”\n}\n", "typographic quote U+201C (“) where a straight double quote is meant", 2, 7, '(")'),
    ('R "fbl” {\n  codes = ("fbl:abuse”)\n}\n', "typographic quote U+201D (”)", 1, 7, "stopped at line 2"),
    ('A {\n  codes = ("bc:24”)\n}\nB = "x"\n', "typographic quote U+201D", 2, 18, "unterminated string"),
    ("# “quoted” in a comment\nA = ( a ]", "']' does not close the array", 2, 9, "')'"),
    ('Binding "x"\u00a0{\n}\n', "no-break space U+00A0 between tokens", 1, 12, "ordinary space"),
    ("A =\u2003 1", "Unicode space U+2003 between tokens", 1, 4, "ordinary space"),
    # a byte order mark does not move columns
    ("\ufeffA { B = ( }", "does not close the array opened at line 1, column 9", 1, 11, "')'"),
    ("\ufeffA = [ k ]", "a dictionary key must be followed by '='", 1, 9, "[ key = value ]"),
]


@pytest.mark.parametrize(("text", "message", "line", "column", "hint"), CASES, ids=[repr(c[0]) for c in CASES])
def test_bad_input(text: str, message: str, line: int, column: int, hint: str) -> None:
    problem = error(text)
    assert message in problem.message
    assert (problem.span.line, problem.span.column) == (line, column)
    assert hint in problem.hint
    assert problem.span.path == PATH
    assert not INTERNALS.search(problem.message) and not INTERNALS.search(problem.hint)


@pytest.mark.parametrize(
    ("text", "opened", "what"),
    [
        ('ESMTP_Listener {\n  Listen ":25" {\n  }\n', (1, 16), "scope"),
        ("A = ( a b", (1, 5), "array"),
        ("A = [ k = ", (1, 5), "dictionary"),
        ("A { B = ( }", (1, 9), "array"),
    ],
)
def test_where_it_was_opened_is_a_related_span(text: str, opened: tuple[int, int], what: str) -> None:
    problem = error(text)
    assert [(r.span.line, r.span.column, r.message) for r in problem.related] == [(*opened, f"the {what} opened here")]


def test_a_typographic_quote_on_the_first_line_of_a_file_is_still_shown() -> None:
    # A file read from a path that fails before its first '=' or '{' is treated as no config at all (its
    # text is not shown); that is judged where the parser stopped, not at the quote the message points to.
    tree, problem = parse_source('adaptive_sweep_rule "fbl” {\n  codes = ("fbl:abuse”)\n}\n', PATH, guarded=True)
    assert tree is None and problem is not None
    assert (problem.span.line, problem.span.column) == (1, 25)
    assert "typographic quote U+201D" in problem.message


def test_simple_errors_have_no_related_span() -> None:
    assert error("A = 'x'").related == ()
    assert error("}").related == ()


def test_the_first_error_wins_in_a_long_file() -> None:
    text = "".join(f"Opt{i} = {i}\n" for i in range(200)) + "Broken = ( a ]\n" + "Later = ]\n"
    problem = error(text)
    assert (problem.span.line, problem.span.column) == (201, 14)


def test_good_input_has_no_error() -> None:
    tree, problem = parse_source('ESMTP_Listener { Listen ":25" { SMTP_Extensions = ( "AUTH PLAIN" ) } }', PATH)
    assert problem is None and tree is not None


# Token soup: whatever the parser chokes on, the message is ours and points inside the text.
PIECES = [
    *("A", "Listen", '":25"', "=", "{", "}", "(", ")", "[", "]", ",", '"s"', '"open', "'q'"),
    *("include", "readonly_include", "/*", "*/", "# c\n", "\n", "\r\n", "/tmp/x", "10.0.0.0/8", "\\", "é", "\t"),
    *("“", "”", "\u00a0"),
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=14))
def test_no_parser_internals_ever(pieces: list[str]) -> None:
    text = " ".join(pieces)
    _tree, problem = parse_source(text, PATH)
    if problem is None:
        return
    assert problem.message and not INTERNALS.search(problem.message), problem.message
    assert not INTERNALS.search(problem.hint), problem.hint
    lines = text.replace("\r\n", "\n").split("\n")
    assert 1 <= problem.span.line <= len(lines)
    assert 1 <= problem.span.column <= len(lines[problem.span.line - 1]) + 1


@pytest.mark.parametrize(
    ("text", "fragment", "line", "column"),
    [
        ("Hostname", "'Hostname' must be followed by '=' and a value, or by '{'; found the end of the file", 1, 9),
        ("A = b c", "'c' must be followed by '='", 1, 8),
        ("*/", "'*/' closes no comment", 1, 1),
        ('A = "x" "y"', 'the string "y" cannot start a statement', 1, 9),
        ("A = ( a ) )", "')' closes nothing", 1, 11),
        ("A = ( a = b )", "'=' cannot stand inside an array", 1, 9),
        ("A = [ = 1 ]", "a dictionary entry needs a key before '='", 1, 7),
        ("A = a=b", "unexpected '=' after a value", 1, 6),
        ("\ufeffA =", "a value is missing", 1, 4),
        ("A = 1\x00", "unexpected control character U+0000", 1, 6),
    ],
)
def test_messages_name_the_real_mistake(text: str, fragment: str, line: int, column: int) -> None:
    _, problem = parse_source(text, "bad.conf")
    assert problem is not None
    assert fragment in problem.message
    assert (problem.span.line, problem.span.column) == (line, column)


def test_crlf_comments_do_not_keep_the_carriage_return() -> None:
    tree, problem = parse_source("# note\r\nA = 1\r\n", "crlf.conf")
    assert problem is None and tree is not None
    assert [c.text for c in tree.comments] == ["# note"]
