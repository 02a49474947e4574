"""The grammar as the fast parser needs it: terminals, rule shapes and the LALR table — plain data.

Rule of this room: everything here is read off the Lark parser built from momentum.lark (`from_lark`), never
written by hand, and it round-trips through JSON unchanged, so a later run can parse a valid config without
loading lark at all (grammar/cache.py keeps the JSON). Lark stays the reference: it computes this, and it
speaks for input the fast parser refuses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

FORMAT = 1  # bump when the shape below changes: a cached file of another shape is ignored


@dataclass(frozen=True, slots=True)
class Terminal:
    name: str
    regex: str  # as Lark compiles it (flags inline)
    priority: int


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    is_term: bool
    filter_out: bool  # a terminal Lark drops from the tree (anonymous punctuation, `_NAME`)


@dataclass(frozen=True, slots=True)
class Rule:
    origin: str
    expansion: tuple[Symbol, ...]
    alias: str | None
    expand1: bool  # `?rule`: one child passes through
    keep_all_tokens: bool  # `!rule`


@dataclass(frozen=True, slots=True)
class CompiledGrammar:
    terminals: tuple[Terminal, ...]
    ignore: tuple[str, ...]
    rules: tuple[Rule, ...]
    # Per state: symbol -> ("s", next state) to shift, ("r", rule index) to reduce; nonterminals -> goto.
    states: tuple[dict[str, tuple[str, int]], ...]
    start: int
    end: int


def from_lark(lark: Any) -> CompiledGrammar:
    """Read the tables off a Lark LALR parser (the `start` rule's)."""
    table = lark.parser.parser.parser.parse_table
    rules: list[Rule] = []
    index: dict[object, int] = {}
    states: list[dict[str, tuple[str, int]]] = [{} for _ in range(max(table.states) + 1)]
    for state, row in table.states.items():
        for symbol, (action, arg) in row.items():
            if action.name == "Shift":
                states[state][str(symbol)] = ("s", int(arg))
                continue
            if arg not in index:
                index[arg] = len(rules)
                rules.append(_rule(arg))
            states[state][str(symbol)] = ("r", index[arg])
    terminals = tuple(Terminal(t.name, t.pattern.to_regexp(), int(t.priority)) for t in lark.terminals)
    return CompiledGrammar(
        terminals,
        tuple(lark.lexer_conf.ignore),
        tuple(rules),
        tuple(states),
        int(table.start_states["start"]),
        int(table.end_states["start"]),
    )


def _rule(rule: Any) -> Rule:
    expansion = tuple(
        Symbol(str(sym.name), bool(sym.is_term), bool(sym.is_term and sym.filter_out)) for sym in rule.expansion
    )
    options = rule.options
    alias = None if rule.alias is None else str(rule.alias)
    return Rule(str(rule.origin.name), expansion, alias, bool(options.expand1), bool(options.keep_all_tokens))


def to_json(grammar: CompiledGrammar) -> str:
    return json.dumps(
        {
            "format": FORMAT,
            "terminals": [[t.name, t.regex, t.priority] for t in grammar.terminals],
            "ignore": list(grammar.ignore),
            "rules": [
                [
                    r.origin,
                    [[s.name, s.is_term, s.filter_out] for s in r.expansion],
                    r.alias,
                    r.expand1,
                    r.keep_all_tokens,
                ]
                for r in grammar.rules
            ],
            "states": [{symbol: list(action) for symbol, action in row.items()} for row in grammar.states],
            "start": grammar.start,
            "end": grammar.end,
        },
        separators=(",", ":"),
    )


def from_json(text: str) -> CompiledGrammar:
    """The grammar back from to_json's text; ValueError (or KeyError/TypeError) if it is not that shape."""
    data = json.loads(text)
    if data.get("format") != FORMAT:
        raise ValueError("another format")
    rules = tuple(
        Rule(
            str(o),
            tuple(Symbol(str(n), bool(t), bool(f)) for n, t, f in exp),
            None if a is None else str(a),
            bool(e),
            bool(k),
        )
        for o, exp, a, e, k in data["rules"]
    )
    states = tuple({str(sym): (str(kind), int(arg)) for sym, (kind, arg) in row.items()} for row in data["states"])
    for row in states:
        for kind, arg in row.values():
            if kind not in ("s", "r") or not 0 <= arg < (len(states) if kind == "s" else len(rules)):
                raise ValueError("an action that points nowhere")
    return CompiledGrammar(
        tuple(Terminal(str(n), str(r), int(p)) for n, r, p in data["terminals"]),
        tuple(str(name) for name in data["ignore"]),
        rules,
        states,
        int(data["start"]),
        int(data["end"]),
    )
