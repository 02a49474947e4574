"""A fast LALR driver: Lark's own parse table, run over one compiled regular expression.

Rule of this room: nothing here decides what the language is. The grammar file is the single source of truth:
the terminals' regular expressions, the LALR parse table and the shape of every rule come from the Lark parser
built from it (grammar/parser.py). What this file adds is speed, for the input that matters most — a valid
config. Lark's general machinery (a Token object per token, a lexer pass per ignored run of white space, a
wrapper chain per reduction) costs about 6 µs a token; this loop scans with a single alternation of every
terminal (`finditer`, so the regex engine walks the text in C) and reduces with one prepared callable per
rule, in a fraction of that.

It accepts exactly what Lark accepts and builds exactly what the same builders would build from Lark's tree
(tests/grammar/test_table_parser.py holds both to that). On anything else — a character no terminal matches,
a token the table has no action for, nesting deeper than the bound — it gives up and returns None; the caller
then re-parses with Lark, which raises Lark's own error, in the same order Lark would meet them.

A token is a plain tuple (type, value, line, column, end_line, end_column): 1-based, end column exclusive,
lines counted at "\\n" — exactly Lark's positions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import chain

from lark import Lark, Token, Tree

Tok = tuple[str, str, int, int, int, int]
Builder = Callable[[list], object]  # type: ignore[type-arg]
Builders = Mapping[str, Builder]
END = "$END"
_THE_END = (None,)  # what the scan loop sees after the last token


class _Spliced(list):  # type: ignore[type-arg]
    """What an inlined rule (`_name`, and Lark's `__x_star_N` repetitions) hands its parent: children to splice."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Brackets counted for the nesting bound. Deeper than `max_depth` -> give up (Lark raises the error)."""

    openers: frozenset[str]
    closers: frozenset[str]
    max_depth: int


def _reducer(expansion: list, origin: str, alias: str | None, expand1: bool, keep_all: bool, builders: Builders):  # type: ignore[no-untyped-def, type-arg]
    """One callable for one grammar rule, with Lark's tree-shaping rules applied: filtered-out terminals
    dropped, children of inlined rules spliced in, `?rule` with one child passed through, `-> alias` named."""
    keep = [i for i, sym in enumerate(expansion) if keep_all or not (sym.is_term and sym.filter_out)]
    splice = {i for i in keep if not expansion[i].is_term and expansion[i].name.startswith("_")}
    inline = origin.startswith("_")
    name = alias or origin
    build = None if inline else builders.get(name)
    if not inline and build is None and not (expand1 and not alias and len(keep) == 1):
        raise ValueError(f"no builder for grammar rule {name!r}")

    def children_of(args: list) -> list:  # type: ignore[type-arg]
        if not splice and len(keep) == len(args):
            return args  # the common case: a fresh slice of the value stack, already right
        out: list = []  # type: ignore[type-arg]
        for i in keep:
            if i in splice:
                if not out and i == keep[0]:
                    out = args[i]  # left recursion (`__x_star_N`): keep growing the same list
                else:
                    out.extend(args[i])
            else:
                out.append(args[i])
        return out

    if inline:
        return _inline_reducer(keep, splice, len(expansion), children_of)
    if expand1 and not alias:

        def single_or_built(args: list) -> object:  # type: ignore[type-arg]
            children = children_of(args)
            if len(children) == 1:
                return children[0]
            assert build is not None
            return build(children)

        return single_or_built
    assert build is not None
    if not splice and len(keep) == len(expansion):
        return build
    return lambda args: build(children_of(args))


def _inline_reducer(keep: list[int], splice: set[int], size: int, children_of: Callable[[list], list]):  # type: ignore[no-untyped-def, type-arg]
    """An inlined rule's reducer. The shapes Lark's repetitions (`x*` -> `__x_star_N`) and `_rule`s take
    get a direct form: they run once per statement and per array item, so the generic one would show."""
    if keep == [0] and size == 1:
        if 0 in splice:
            return lambda args: args[0]  # `__x: _y`: already a splice
        return _Spliced  # `_y: x`: the fresh one-item slice, marked
    if keep == [0, 1] and size == 2 and 0 in splice:
        if 1 in splice:

            def grow_by_splice(args: list) -> _Spliced:  # type: ignore[type-arg]
                out: _Spliced = args[0]
                out.extend(args[1])
                return out

            return grow_by_splice

        def grow(args: list) -> _Spliced:  # type: ignore[type-arg]
            out: _Spliced = args[0]
            out.append(args[1])
            return out

        return grow

    def spliced(args: list) -> _Spliced:  # type: ignore[type-arg]
        children = children_of(args)
        return children if type(children) is _Spliced else _Spliced(children)

    return spliced


class TableParser:
    """Lark's LALR table for one grammar, with builders bound to its rules. Build once; `parse` is reentrant."""

    def __init__(self, lark: Lark, builders: Builders, limits: Limits, comments: frozenset[str]) -> None:
        table = lark.parser.parser.parser.parse_table
        ignored = set(lark.lexer_conf.ignore)
        terminals = {t.name: t for t in lark.terminals}
        # Terminals of higher priority that overlap the others (`include` is also a bare word) are told apart
        # by context, as Lark's contextual lexer does: a token becomes the keyword where the table expects it.
        keywords = {
            n: re.compile(t.pattern.to_regexp()) for n, t in terminals.items() if t.priority > 0 and n not in ignored
        }
        # Ignored terminals other than comments (white space) are skipped inside the same match, in front of
        # each token, so a run of blanks costs no trip round this loop.
        skip = "|".join(terminals[n].pattern.to_regexp() for n in sorted(ignored - comments))
        scanned = sorted(
            (t for n, t in terminals.items() if n not in keywords and n not in ignored - comments),
            key=lambda t: (-t.priority, t.name),
        )
        alternatives = "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in scanned)
        compiled = re.compile(f"(?:{skip})*+(?:{alternatives})" if skip else alternatives)
        self._scan = compiled.finditer
        self._trailing = re.compile(f"(?:{skip})*+").fullmatch
        self._names: list[str] = [""] * (compiled.groups + 1)
        for name, index in compiled.groupindex.items():
            self._names[index] = name
        self._comments = comments
        self._limits = limits
        self._nesting = {**dict.fromkeys(limits.openers, 1), **dict.fromkeys(limits.closers, -1)}
        self._keywords = keywords
        self._start: int = table.start_states["start"]
        self._end: int = table.end_states["start"]
        # Per state: terminal -> next state (shift) or (size, reduce, nonterminal) (reduce); nonterminal -> goto.
        # Keys are plain str: Lark's names are Token objects, whose __eq__ is Python code on every lookup.
        size = max(table.states) + 1
        self._actions: list[dict[str, object]] = [{} for _ in range(size)]
        self._expects_keyword = [False] * size
        reducers: dict[object, tuple[int, Callable[[list], object], str]] = {}  # type: ignore[type-arg]
        for state, row in table.states.items():
            actions = self._actions[state]
            for symbol, (action, arg) in row.items():
                if action.name == "Shift":
                    actions[str(symbol)] = arg
                    continue
                rule = arg
                if rule not in reducers:
                    origin = str(rule.origin.name)
                    options = rule.options
                    reduce = _reducer(
                        rule.expansion,
                        origin,
                        rule.alias,
                        bool(options.expand1),
                        bool(options.keep_all_tokens),
                        builders,
                    )
                    reducers[rule] = (len(rule.expansion), reduce, origin)
                actions[str(symbol)] = reducers[rule]
            self._expects_keyword[state] = any(name in row for name in keywords)

    def parse(self, text: str, depth: int = 0) -> tuple[object, list[Tok]] | None:
        """(what the `start` builder returned, the comments) — or None where Lark must speak instead."""
        actions = self._actions
        expects_keyword = self._expects_keyword
        keyword_of: dict[str, str] = {}  # a word -> the keyword it spells, or ""; names repeat, regexes cost
        names = self._names
        comment_kinds = self._comments
        nesting = self._nesting
        max_depth = self._limits.max_depth
        states = [self._start]
        values: list[object] = []
        comments: list[Tok] = []
        pos = 0
        line = 1
        line_start = 0  # offset of the first character of `line`
        kind = ""
        tok: Tok = (END, "", 1, 1, 1, 1)  # the end of the input shifts nothing: this is never kept
        end_state = self._end
        for match in chain(self._scan(text), _THE_END):
            if match is None:  # the input is used up: what is left must be ignorable, then reduce to the end
                if pos != len(text) and not self._trailing(text, pos):
                    return None
                kind = END
            else:
                if match.start() != pos:
                    return None  # characters no terminal matches
                index = match.lastindex
                start = match.start(index)
                if start != pos:  # white space skipped in front of the token
                    newline = text.rfind("\n", pos, start)
                    if newline >= 0:
                        line += text.count("\n", pos, newline + 1)
                        line_start = newline + 1
                kind = names[index]  # type: ignore[index]
                value = match.group(index)
                pos = match.end()
                if "\n" in value:  # a string or a comment may span lines
                    tok = self._token(kind, value, line, line_start, start, pos)
                    line = tok[4]
                    line_start = start + value.rindex("\n") + 1
                else:
                    tok = (kind, value, line, start - line_start + 1, line, pos - line_start + 1)
                if kind in comment_kinds:
                    comments.append(tok)
                    continue
                if expects_keyword[states[-1]]:
                    keyword = keyword_of.get(value)
                    if keyword is None:
                        keyword = keyword_of[value] = self._keyword(value)
                    if keyword and keyword in actions[states[-1]]:
                        kind = keyword
                        tok = (keyword, *tok[1:])  # type: ignore[assignment]
                step = nesting.get(kind)
                if step:
                    depth += step
                    if depth > max_depth:
                        return None
                    if depth < 0:
                        depth = 0
            # Shift the token, reducing first as often as the table says; at the end, reduce to the end state.
            while True:
                action = actions[states[-1]].get(kind)
                if action is None:
                    if kind == END and states[-1] == end_state:
                        return values[-1], comments
                    return None
                if type(action) is int:
                    states.append(action)
                    values.append(tok)
                    break
                size, reduce, origin = action  # type: ignore[misc]
                if size:
                    args = values[-size:]
                    del values[-size:]
                    del states[-size:]
                else:
                    args = []
                values.append(reduce(args))
                states.append(actions[states[-1]][origin])  # type: ignore[arg-type]
        return None  # not reached: the end always returns from the loop

    def _keyword(self, value: str) -> str:
        return next((name for name, pattern in self._keywords.items() if pattern.fullmatch(value)), "")

    @staticmethod
    def _token(kind: str, value: str, line: int, line_start: int, start: int, end: int) -> Tok:
        """A token that spans lines: its end column counts from the start of its last line."""
        end_line = line + value.count("\n")
        last_start = start + value.rindex("\n") + 1
        return (kind, value, line, start - line_start + 1, end_line, end - last_start + 1)


def as_tuple(token: Token) -> Tok:
    return (token.type, token.value, token.line, token.column, token.end_line, token.end_column)  # type: ignore[return-value]


def from_tree(tree: Tree, builders: Builders) -> object:  # type: ignore[type-arg]
    """The same nodes from a Lark tree (the slow path): tokens become tuples, rules call their builders."""

    def convert(node: object) -> object:
        if isinstance(node, Token):
            return as_tuple(node)
        assert isinstance(node, Tree)
        return builders[node.data]([convert(child) for child in node.children])

    return convert(tree)
