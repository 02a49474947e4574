"""Lark's parse errors, told the way an operator wants to read them.

Rule of this room: this is the only file that knows lark's exception classes and terminal names. What
leaves it is a GrammarError: a message in the language of the config file (never `Token('RBRACE', '}')` or
"Expected one of: WORD"), its line and column, a hint, and for an unclosed bracket where it was opened.
"""

from __future__ import annotations

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .errors import GrammarError, Opened

# What each terminal is called in messages.
FRIENDLY = {
    "WORD": "a name or bare word",
    "STRING": "a quoted string",
    "EQUALS": "'='",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "INCLUDE": "'include'",
    "$END": "the end of the file",
}
CLOSER = {"LBRACE": "}", "LSQB": "]", "LPAR": ")"}
OPENED_WHAT = {"LBRACE": "scope", "LSQB": "dictionary", "LPAR": "array"}
VALUE_START = {"WORD", "STRING", "LPAR", "LSQB"}


def _innermost_open(exc: UnexpectedInput) -> Opened | None:
    """The parser's own stack still holds every bracket token that has not been closed."""
    state = getattr(exc, "state", None)
    stack = getattr(state, "value_stack", None) or []
    for item in reversed(stack):
        if isinstance(item, Token) and item.type in CLOSER:
            return Opened(item.line or 1, item.column or 1, OPENED_WHAT[item.type], CLOSER[item.type])
    return None


def _end_position(text: str) -> tuple[int, int]:
    line = text.count("\n") + 1
    return line, len(text) - (text.rfind("\n") + 1) + 1


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    if token.type in ("WORD", "STRING"):
        shown = token.value if len(token.value) <= 40 else token.value[:37] + "..."
        return f"the word {shown!r}" if token.type == "WORD" else f"the string {shown}"
    return FRIENDLY.get(token.type, repr(token.value))


def _expected_list(expected: set[str]) -> str:
    names = sorted({FRIENDLY.get(name, name) for name in expected if name in FRIENDLY})
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _from_characters(exc: UnexpectedCharacters, text: str) -> GrammarError:
    pos = exc.pos_in_stream or 0
    char = text[pos] if pos < len(text) else ""
    line, column = exc.line, exc.column
    if char == '"':
        return GrammarError(
            "unterminated string: this quote is never closed",
            line,
            column,
            "close the string with a matching '\"'; write \\\" for a quote inside it",
        )
    if text.startswith("/*", pos):
        return GrammarError("unterminated comment: '/*' is never closed by '*/'", line, column, "add '*/'")
    if char == "'":
        return GrammarError(
            "single quotes do not delimit strings in this language",
            line,
            column,
            'use double quotes: "..."',
        )
    if char.isspace():  # only white space the language does not know reaches here: U+00A0, U+2003...
        return GrammarError(
            f"{_space_name(char)} U+{ord(char):04X} between tokens",
            line,
            column,
            "replace it with an ordinary space (it is often left over from a web page or a word processor)",
        )
    if char and not char.isprintable():
        return GrammarError(
            f"unexpected control character U+{ord(char):04X}",
            line,
            column,
            "remove it; configuration files are plain text",
        )
    return GrammarError(f"unexpected character {char!r}", line, column, _hint_for(set(exc.allowed or ()), None))


def _hint_for(expected: set[str], opened: Opened | None) -> str:
    if opened is None:  # LALR look-ahead may list closers although nothing is open
        expected = expected - {"RBRACE", "RSQB", "RPAR"}
    listed = _expected_list(expected)
    return f"expected {listed}" if listed else ""


def _previous(exc: UnexpectedInput) -> object:
    """What the parser had just read before the error: a token, a built node, or None at the start."""
    stack = getattr(getattr(exc, "state", None), "value_stack", None) or []
    return stack[-1] if stack else None


def _name_without_value(prev: object, line: int, column: int, found: str) -> GrammarError:
    name = prev.value if isinstance(prev, Token) else "the name"
    if isinstance(prev, Token) and name.startswith("*/"):
        return GrammarError("'*/' closes no comment", prev.line or line, prev.column or column, "remove it")
    return GrammarError(
        f"{name!r} must be followed by '=' and a value, or by '{{'; found {found}",
        line,
        column,
        f"write `{name} = value` for an option or `{name} {{ ... }}` for a scope",
    )


def _from_end(exc: UnexpectedToken, text: str, expected: set[str], opened: Opened | None) -> GrammarError:
    line, column = _end_position(text)
    prev = _previous(exc)
    if "EQUALS" in expected and "LBRACE" in expected:
        return _name_without_value(prev, line, column, "the end of the file")
    if opened is not None:
        return GrammarError(
            f"unexpected end of file: the {opened.what} opened at line {opened.line}, column "
            f"{opened.column} is never closed",
            line,
            column,
            f"add '{opened.closer}' to close it",
            opened,
        )
    if expected & VALUE_START:
        return GrammarError("unexpected end of file: a value is missing", line, column, "add a value")
    if expected == {"LBRACE"}:
        return GrammarError(
            "unexpected end of file: expected '{'",
            line,
            column,
            "an option needs '=' (`Name = value`); a scope needs braces (`Name instance { ... }`)",
        )
    return GrammarError("unexpected end of file", line, column, _hint_for(expected, opened))


def _stray_equals(exc: UnexpectedToken, line: int, column: int, opened: Opened | None) -> GrammarError:
    stack = getattr(getattr(exc, "state", None), "value_stack", None) or []
    prev = stack[-1] if stack else None
    before = stack[-2] if len(stack) > 1 else None
    if isinstance(prev, Token) and prev.type == "LSQB":
        return GrammarError("a dictionary entry needs a key before '='", line, column, "write `[ key = value ]`")
    if opened is not None and opened.what == "array":
        return GrammarError("'=' cannot stand inside an array", line, column, 'quote the item: "a=b"')
    if isinstance(before, Token) and before.type == "EQUALS":
        return GrammarError(
            "unexpected '=' after a value",
            line,
            column,
            "an option holds one value; quote values that contain spaces or '='",
        )
    return GrammarError("'=' needs a name before it", line, column, "write `Name = value` or `Name { ... }`")


def _from_token(exc: UnexpectedToken, text: str) -> GrammarError:
    token = exc.token
    expected = set(exc.expected or ())
    opened = _innermost_open(exc)
    if token.type == "$END":
        return _from_end(exc, text, expected, opened)
    line, column = token.line or 1, token.column or 1
    found = _describe(token)
    prev = _previous(exc)
    statement_start = "INCLUDE" in expected  # the parser was ready for a new statement
    closers = {"RBRACE": "}", "RSQB": "]", "RPAR": ")"}
    stray = token.type in closers and token.type not in expected
    if stray and opened is not None and closers[token.type] != opened.closer:
        return GrammarError(
            f"'{closers[token.type]}' does not close the {opened.what} opened at line {opened.line}, "
            f"column {opened.column}",
            line,
            column,
            f"close the {opened.what} with '{opened.closer}' first",
            opened,
        )
    if expected >= {"WORD", "STRING"} and not expected & {"EQUALS", "RSQB", "RBRACE", "INCLUDE"}:
        return GrammarError(f"a value is missing before {found}", line, column, "add a value")
    if stray and opened is None:
        what = "no scope" if token.type == "RBRACE" else "nothing"
        return GrammarError(
            f"'{closers[token.type]}' closes {what}", line, column, "remove it, or open a scope before it"
        )
    if "EQUALS" in expected and "LBRACE" in expected and token.type not in VALUE_START:
        return _name_without_value(prev, line, column, found)
    if expected == {"LBRACE"}:
        return GrammarError(
            f"expected '{{' but found {found}",
            line,
            column,
            "an option needs '=' (`Name = value`); a scope needs braces (`Name instance { ... }`)",
        )
    if token.type == "COMMA" and "RSQB" in expected:
        return GrammarError("dictionary entries are not separated by commas", line, column, "write `[ a = 1 b = 2 ]`")
    if expected == {"LPAR", "LSQB", "EQUALS"}:
        return GrammarError(
            f"a dictionary key must be followed by '=' and a value; found {found}",
            line,
            column,
            "write `[ key = value ]`",
        )
    if token.type == "EQUALS":
        return _stray_equals(exc, line, column, opened)
    if token.type == "LBRACE" and statement_start:
        return GrammarError("'{' needs a name before it", line, column, "write `Name { ... }`")
    if token.type == "STRING" and statement_start:
        return GrammarError(
            f"{found} cannot start a statement",
            line,
            column,
            'an option holds one value; to give several, use an array: ( "a" "b" )',
        )
    return GrammarError(f"unexpected {found}", line, column, _hint_for(expected, opened), opened)


def explain(exc: UnexpectedInput, text: str) -> GrammarError:
    """Turn any lark parse error into a GrammarError with an operator-friendly message."""
    return _typographic(text, _explain(exc, text))


def _explain(exc: UnexpectedInput, text: str) -> GrammarError:
    if isinstance(exc, UnexpectedCharacters):
        return _from_characters(exc, text)
    if isinstance(exc, UnexpectedToken):
        return _from_token(exc, text)
    if isinstance(exc, UnexpectedEOF):
        line, column = _end_position(text)
        return GrammarError("unexpected end of file", line, column, _hint_for(set(exc.expected or ()), None))
    line = getattr(exc, "line", 1) or 1
    column = getattr(exc, "column", 1) or 1
    return GrammarError("syntax error", line, column)


# Quotes a word processor or a web page puts where `"` was typed. They delimit nothing in this language: an
# opening one is part of a bare word, a closing one leaves a string open until the next straight quote.
TYPOGRAPHIC_QUOTES = {"\u201c": "“", "\u201d": "”", "\u201e": "„", "\u201f": "‟", "\u2033": "″"}


def _space_name(char: str) -> str:
    return "no-break space" if char in "\u00a0\u202f" else "Unicode space"


def _typographic(text: str, error: GrammarError) -> GrammarError:
    """The first typographic quote before the place the parser stopped, outside comments, is the mistake to
    show: the error itself is often far later (a string it left open swallows the rest of the file)."""
    if not any(q in text for q in TYPOGRAPHIC_QUOTES):
        return error
    limit = _offset(text, error.line, error.column)
    found = _first_typographic_quote(text, limit)
    if found is None:
        return error
    line = text.count("\n", 0, found) + 1
    column = found - (text.rfind("\n", 0, found) + 1) + 1
    quote = text[found]
    return GrammarError(
        f"typographic quote U+{ord(quote):04X} ({quote}) where a straight double quote is meant",
        line,
        column,
        f'write a straight double quote (") instead; because of it the parser stopped at line {error.line},'
        f" column {error.column}: {error.message}",
        stopped=error.stopped or (error.line, error.column),
    )


def _offset(text: str, line: int, column: int) -> int:
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return len(text)
    return min(start + column - 1, len(text))


def _first_typographic_quote(text: str, limit: int) -> int | None:
    """Offset of the first typographic quote before `limit` that is not inside a comment."""
    i = 0
    in_string = False
    while i <= min(limit, len(text) - 1):
        char = text[i]
        if char in TYPOGRAPHIC_QUOTES:
            return i
        if in_string:
            if char == "\\":
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
            continue
        i += 1
    return None
