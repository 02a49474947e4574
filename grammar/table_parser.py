"""A fast LALR driver: Lark's own parse table, run over one compiled regular expression.

Rule of this room: nothing here decides what the language is. The grammar file is the single source of truth:
the terminals' regular expressions, the LALR parse table and the shape of every rule come from the Lark parser
built from it (grammar/parser.py). What this file adds is speed, for the input that matters most — a valid
config. Lark's general machinery (a Token object per token, a lexer pass per ignored run of white space, a
wrapper chain per reduction) costs about 6 µs a token; this loop takes plain strings from one `findall`
over every terminal (grammar/scanner.py: the regex engine walks the text in C) and reduces with one
prepared callable per rule (grammar/reducers.py), in about a quarter of that. A one-line `name = value`
(most of any config) is one match of the scan, and the table's work on its three tokens is applied as one
program worked out beforehand from the table itself (grammar/fusion.py): parsing takes about 16 % less. A
fused statement where no program applies (a keyword in a name's place, say) has the whole text read again
token by token, with the same outcome.

It accepts exactly what Lark accepts and builds exactly what the same builders would build from Lark's tree
(tests/grammar/test_table_parser.py holds both to that). On anything else — a character no terminal matches,
a token the table has no action for, nesting deeper than the bound — it gives up and returns None; the caller
then re-parses with Lark, which raises Lark's own error, in the same order Lark would meet them.

A token is a plain tuple (type, value, line, column, end_line, end_column): 1-based, end column exclusive,
lines counted at "\\n" — exactly Lark's positions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain

from .compiled import CompiledGrammar
from .fusion import Fusion, Program
from .fusion import programs as fusion_programs
from .reducers import Builders, reducer_for
from .scanner import scanner_for

Tok = tuple[str, str, int, int, int, int]
END = "$END"
_THE_END = (None,)  # what the scan loop sees after the last token pair
_UNFUSE = object()  # a fused statement where no program applies: parse again token by token
_NONE: dict[str, Program] = {}


@dataclass(frozen=True, slots=True)
class Limits:
    """Brackets counted for the nesting bound. Deeper than `max_depth` -> give up (Lark raises the error)."""

    openers: frozenset[str]
    closers: frozenset[str]
    max_depth: int


Action = int | tuple[int, Callable[[list], object], str]  # type: ignore[type-arg]


def action_table(grammar: CompiledGrammar, builders: Builders) -> list[dict[str, Action]]:
    """Per state: terminal -> next state (shift) or (size, reduce, nonterminal) (reduce); nonterminal -> goto."""
    reducers = [(len(rule.expansion), reducer_for(rule, builders), rule.origin) for rule in grammar.rules]
    return [
        {symbol: arg if kind == "s" else reducers[arg] for symbol, (kind, arg) in row.items()} for row in grammar.states
    ]


class TableParser:
    """Lark's LALR table for one grammar, with builders bound to its rules. Build once; `parse` is reentrant."""

    def __init__(
        self,
        grammar: CompiledGrammar,
        builders: Builders,
        limits: Limits,
        comments: frozenset[str],
        fusion: Fusion | None = None,
    ) -> None:
        scanner = scanner_for(grammar, comments, fusion)
        self._exact = scanner.exact.match
        self._kind_by_first = scanner.kind_by_first
        self._trailing = scanner.trailing.fullmatch
        self._names = scanner.names
        self._keywords = scanner.keywords
        self._limits = limits
        # Comments (0) are kept aside; brackets (+1 opens, -1 closes) count towards the nesting bound.
        self._specials = {
            **dict.fromkeys(comments, 0),
            **dict.fromkeys(limits.openers, 1),
            **dict.fromkeys(limits.closers, -1),
        }
        self._actions = action_table(grammar, builders)
        self._expects_keyword = [any(name in row for name in scanner.keywords) for row in self._actions]
        self._start = grammar.start
        self._end = grammar.end
        # Without a fusion every match is one token (the fused groups stay empty): one loop reads both scans.
        self._fusion = fusion
        self._scan_fused = scanner.fused.findall if scanner.fused is not None else None
        self._scan = scanner.unfused.findall
        terminals = {t.name for t in grammar.terminals} | {END}
        self._programs = (
            fusion_programs(self._actions, terminals, fusion, self._expects_keyword) if fusion is not None else {}
        )

    def parse(self, text: str, depth: int = 0) -> tuple[object, list[Tok]] | None:
        """(what the `start` builder returned, the comments) — or None where Lark must speak instead."""
        if self._scan_fused is not None:
            found = self._parse(text, depth, self._scan_fused)
            if found is not _UNFUSE:
                return found  # type: ignore[return-value]
        return self._parse(text, depth, self._scan)  # type: ignore[return-value]

    def _parse(self, text: str, depth: int, scan: Callable[[str], list[tuple[str, ...]]]) -> object:
        """The parse over one scanner's matches; _UNFUSE if a fused statement stands where no program is."""
        actions = self._actions
        expects_keyword = self._expects_keyword
        keyword_of: dict[str, str] = {}  # a word -> the keyword it spells, or ""; names repeat, regexes cost
        names = self._names
        kind_by_first = self._kind_by_first
        exact = self._exact
        specials = self._specials
        programs = self._programs
        fusion = self._fusion
        max_depth = self._limits.max_depth
        state = self._start  # always states[-1]
        states = [state]
        values: list[object] = []
        comments: list[Tok] = []
        pos = 0
        line = 1
        line_start = 0  # offset of the first character of `line`
        kind = ""
        tok: Tok = (END, "", 1, 1, 1, 1)  # the end of the input shifts nothing: this is never kept
        end_state = self._end
        fused: list[Tok] | None = None  # the three tokens of a fused statement, until they shift
        for pair in chain(scan(text), _THE_END):
            if pair is None:  # the input is used up: what is left must be ignorable, then reduce to the end
                if pos != len(text) and not self._trailing(text, pos):
                    return None
                kind = END
            else:
                blank, name, gap, join, gap2, fused_value, value, other = pair
                if other:
                    return None  # a character no terminal matches
                start = pos + len(blank)
                if blank:  # white space skipped in front of the token
                    newline = blank.rfind("\n")
                    if newline >= 0:
                        line += blank.count("\n")
                        line_start = pos + newline + 1
                if name:  # `name = value` on one line, read in one step: its program applies where it shifts
                    assert fusion is not None
                    if expects_keyword[state]:
                        keyword = keyword_of.get(name)
                        if keyword is None:
                            keyword = keyword_of[name] = self._keyword(name)
                        if keyword and keyword in actions[state]:
                            return _UNFUSE  # the name is a keyword here: token by token
                    kind = fusion.name
                    joined = start + len(name) + len(gap)
                    value_start = joined + len(join) + len(gap2)
                    value_kind = kind_by_first.get(fused_value[0])
                    if value_kind is None:
                        value_kind = names[exact(text, value_start).lastindex]  # type: ignore[union-attr, index]
                    pos = value_start + len(fused_value)
                    column = start - line_start + 1
                    tok = (kind, name, line, column, line, column + len(name))
                    fused = [
                        tok,
                        (
                            fusion.join,
                            join,
                            line,
                            joined - line_start + 1,
                            line,
                            column + len(name) + len(gap) + len(join),
                        ),
                    ]
                    if "\n" in fused_value:  # a string may span lines
                        fused.append(self._token(value_kind, fused_value, line, line_start, value_start, pos))
                        line = fused[-1][4]
                        line_start = value_start + fused_value.rindex("\n") + 1
                    else:
                        fused.append(
                            (value_kind, fused_value, line, value_start - line_start + 1, line, pos - line_start + 1)
                        )
                else:
                    first_kind = kind_by_first.get(value[0])
                    if first_kind is None:  # a first character several terminals share: ask the terminals themselves
                        first_kind = names[exact(text, start).lastindex]  # type: ignore[union-attr, index]
                    kind = first_kind
                    pos = start + len(value)
                    if "\n" in value:  # a string or a comment may span lines
                        tok = self._token(kind, value, line, line_start, start, pos)
                        line = tok[4]
                        line_start = start + value.rindex("\n") + 1
                    else:
                        tok = (kind, value, line, start - line_start + 1, line, pos - line_start + 1)
                    special = specials.get(kind)  # one look-up for the few kinds that need more than a shift
                    if special is not None:
                        if special == 0:
                            comments.append(tok)
                            continue
                        depth += special
                        if depth > max_depth:
                            return None
                        if depth < 0:
                            depth = 0
                    if expects_keyword[state]:
                        keyword = keyword_of.get(value)
                        if keyword is None:
                            keyword = keyword_of[value] = self._keyword(value)
                        if keyword and keyword in actions[state]:
                            kind = keyword
                            tok = (keyword, *tok[1:])  # type: ignore[assignment]
            # Shift the token, reducing first as often as the table says; at the end, reduce to the end state.
            while True:
                action = actions[state].get(kind)
                if action is None:
                    if kind == END and state == end_state:
                        return values[-1], comments
                    return None
                if type(action) is int:
                    if fused is None:
                        states.append(action)
                        values.append(tok)
                        state = action
                        break
                    program = programs.get(state, _NONE).get(fused[2][0])
                    if program is None:
                        return _UNFUSE
                    run: list[object] = []
                    for size, reduce in program.steps:
                        if reduce is None:
                            run.append(fused[size])  # the statement's next token
                        elif size:
                            args = run[-size:]
                            del run[-size:]
                            run.append(reduce(args))
                        else:
                            run.append(reduce([]))
                    values.extend(run)
                    states.extend(program.states)
                    state = program.states[-1]
                    fused = None
                    break
                size, reduce, origin = action  # type: ignore[misc]
                if size:
                    args = values[-size:]
                    del values[-size:]
                    del states[-size:]
                else:
                    args = []
                values.append(reduce(args))
                state = actions[states[-1]][origin]  # type: ignore[assignment]
                states.append(state)
        return None  # not reached: the end always returns from the loop

    def _keyword(self, value: str) -> str:
        return next((name for name, pattern in self._keywords.items() if pattern.fullmatch(value)), "")

    @staticmethod
    def _token(kind: str, value: str, line: int, line_start: int, start: int, end: int) -> Tok:
        """A token that spans lines: its end column counts from the start of its last line."""
        end_line = line + value.count("\n")
        last_start = start + value.rindex("\n") + 1
        return (kind, value, line, start - line_start + 1, end_line, end - last_start + 1)
