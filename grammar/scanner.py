"""Every terminal of the grammar in one regular expression, and which terminal a token is.

Rule of this room: the terminals and their order come from the compiled grammar; nothing here names one. The
scan is `findall` over `(white space)(token)|(anything else)`: the regex engine walks the whole text in C and
hands back plain strings, with no match object per token. Which terminal a token is follows from its first
character wherever only one scanned terminal can begin with that character (worked out below from the
terminals' own regular expressions); elsewhere — a character two terminals may begin with, or one beyond
ASCII — the token is matched again at its place with every terminal as a named group, which is exact.
The `(anything else)` group makes every character belong to some match, so nothing is skipped unseen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .compiled import CompiledGrammar
from .fusion import Fusion

ASCII = frozenset(range(128))


@dataclass(frozen=True, slots=True)
class Scanner:
    pairs: re.Pattern[str]  # findall -> (white space, token, anything else) per token
    exact: re.Pattern[str]  # the same alternatives as named groups: match at a token's start -> its terminal
    trailing: re.Pattern[str]  # what may follow the last token: ignorable white space only
    names: list[str]  # exact's group number -> terminal name
    kind_by_first: dict[str, str]  # a token's first character -> its terminal, where only one can begin so
    keywords: dict[str, re.Pattern[str]]  # terminals told apart from the others by context (see table_parser)
    # findall -> (white space, name, gap, join, gap, value, token, anything else): with a Fusion (fusion.py)
    # `fused` matches a one-line `name = value` as one; `unfused` has the same groups but never fuses (the
    # second to sixth always empty), so the driver reads both with one loop.
    unfused: re.Pattern[str]
    fused: re.Pattern[str] | None = None


# Between the parts of a fused statement: blanks within one line. Every ignored white space terminal skips
# them, and a line break or a comment in between is simply left to the token-by-token reading.
_GAP = "[ \t]*+"


def scanner_for(grammar: CompiledGrammar, comments: frozenset[str], fusion: Fusion | None = None) -> Scanner:
    ignored = set(grammar.ignore)
    terminals = {t.name: t for t in grammar.terminals}
    # Terminals of higher priority that overlap the others (`include` is also a bare word) are told apart
    # by context, as Lark's contextual lexer does: a token becomes the keyword where the table expects it.
    keywords = {n: re.compile(t.regex) for n, t in terminals.items() if t.priority > 0 and n not in ignored}
    # Ignored terminals other than comments (white space) are skipped inside the same match, in front of
    # each token, so a run of blanks costs no trip round the parse loop.
    skipped = ignored - comments
    skip = "|".join(terminals[n].regex for n in sorted(skipped)) or "(?!)"
    scanned = sorted(
        (t for n, t in terminals.items() if n not in keywords and n not in skipped), key=lambda t: (-t.priority, t.name)
    )
    exact = re.compile("|".join(f"(?P<{t.name}>{t.regex})" for t in scanned))
    alternatives = "|".join(f"(?:{t.regex})" for t in scanned)
    pairs = re.compile(f"((?:{skip})*+)(?:({alternatives})|((?s:.)))")
    if pairs.groups != 3:
        raise ValueError("a terminal's regular expression has a capturing group: write it as (?:...)")
    names = [""] * (exact.groups + 1)
    for name, index in exact.groupindex.items():
        names[index] = name
    firsts = {t.name: first_characters(t.regex) for t in scanned}
    kind_by_first = {}
    for code in range(128):
        able = [name for name, chars in firsts.items() if chars is None or code in chars]
        if len(able) == 1:
            kind_by_first[chr(code)] = able[0]
    trailing = re.compile(f"(?:{skip})*+")
    unfused = re.compile(f"((?:{skip})*+)(?:(?!)()()()()()|({alternatives})|((?s:.)))")
    fused = None
    if fusion is not None:
        if not trailing.fullmatch(" \t"):
            raise ValueError("blanks are not ignored white space: a fused statement cannot skip them")
        value = "|".join(f"(?:{terminals[n].regex})" for n in fusion.values)
        # Atomic, as the token-by-token scan takes them (the longest match): a word not followed by the join
        # then fails at once instead of being tried again one character shorter at a time.
        name, join = terminals[fusion.name].regex, terminals[fusion.join].regex
        shape = f"((?>{name}))({_GAP})({join})({_GAP})((?>{value}))"
        fused = re.compile(f"((?:{skip})*+)(?:{shape}|({alternatives})|((?s:.)))")
    if unfused.groups != 8 or (fused is not None and fused.groups != 8):
        raise ValueError("a terminal's regular expression has a capturing group: write it as (?:...)")
    return Scanner(pairs, exact, trailing, names, kind_by_first, keywords, unfused, fused)


def first_characters(regex: str) -> frozenset[int] | None:
    """The ASCII characters a match of `regex` may begin with — never too few (lookaheads are ignored, which
    can only add) — or None when the expression is beyond this reading (it then may begin with anything)."""
    try:
        from re import _constants as sre  # the parsed form of a pattern: CPython's own, stable since 3.11
        from re import _parser
    except ImportError:  # pragma: no cover - another Python
        return None
    try:
        parsed = _parser.parse(regex)
    except Exception:  # pragma: no cover - a pattern re itself compiled
        return None
    found = _sequence(parsed.data, bool(parsed.state.flags & re.IGNORECASE), sre)
    return None if found is None or found[1] else found[0]


def _sequence(items: list, ignore_case: bool, sre) -> tuple[frozenset[int], bool] | None:  # type: ignore[no-untyped-def, type-arg]
    """(first characters, whether the sequence may match the empty string)."""
    out: set[int] = set()
    for op, arg in items:
        found = _item(op, arg, ignore_case, sre)
        if found is None:
            return None
        out |= found[0]
        if not found[1]:
            return frozenset(out), False
    return frozenset(out), True


def _item(op, arg, ignore_case: bool, sre) -> tuple[frozenset[int], bool] | None:  # type: ignore[no-untyped-def]
    if op is sre.LITERAL:
        return _cased({arg}, ignore_case), False
    if op is sre.NOT_LITERAL:
        return ASCII - _cased({arg}, ignore_case), False
    if op is sre.ANY:
        return ASCII, False
    if op is sre.IN:
        return _cased(_char_class(arg, sre), ignore_case), False
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return frozenset(), True  # zero width: what follows decides
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = arg
        case = (ignore_case or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
        return _sequence(sub.data, case, sre)
    if op is sre.ATOMIC_GROUP:
        return _sequence(arg.data, ignore_case, sre)
    if op is sre.BRANCH:
        out: set[int] = set()
        empty = False
        for alternative in arg[1]:
            found = _sequence(alternative.data, ignore_case, sre)
            if found is None:
                return None
            out |= found[0]
            empty = empty or found[1]
        return frozenset(out), empty
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _high, sub = arg
        found = _sequence(sub.data, ignore_case, sre)
        return None if found is None else (found[0], found[1] or low == 0)
    return None


def _char_class(items: list, sre) -> frozenset[int]:  # type: ignore[no-untyped-def, type-arg]
    chosen: set[int] = set()
    negate = False
    for op, arg in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            chosen.add(arg)
        elif op is sre.RANGE:
            chosen.update(range(arg[0], min(arg[1], 127) + 1))
        elif op is sre.CATEGORY:
            chosen.update(code for code in ASCII if _CATEGORY[arg].match(chr(code)))
        else:
            return ASCII  # something unusual: assume it may be anything
    chosen &= ASCII
    return frozenset(ASCII - chosen) if negate else frozenset(chosen)


def _cased(codes: set[int] | frozenset[int], ignore_case: bool) -> frozenset[int]:
    if not ignore_case:
        return frozenset(codes) & ASCII
    return frozenset(ord(c) for code in codes if code < 128 for c in {chr(code).lower(), chr(code).upper()}) & ASCII


_CATEGORY_TEXT = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
    "CATEGORY_LINEBREAK": r"\n",
    "CATEGORY_NOT_LINEBREAK": r"[^\n]",
}


class _Categories(dict):  # type: ignore[type-arg]
    """Category code -> a one-character pattern for it; an unknown category matches everything."""

    def __missing__(self, key: object) -> re.Pattern[str]:
        return re.compile(_CATEGORY_TEXT.get(str(key), r"(?s:.)"))


_CATEGORY = _Categories()
