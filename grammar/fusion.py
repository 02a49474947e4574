"""Statements read in one step: what the LALR table does with `name = value`, worked out once per state.

Rule of this room: nothing here decides what the language is; everything is read off the parse table. Most
of a config is short assignments (`Name = "value"` in a scope, `key = value` in a dictionary): three tokens,
three shifts and then a few reductions that do not depend on what follows. The fast driver spends most of
its time on that bookkeeping, so the scanner (scanner.py) matches such a statement as one unit, and this
module works out, for every state in which its first token may be shifted, what the table would do with the
three tokens: the states they pass through, and then each *default reduction* — a state whose every terminal
leads to the same reduction, so the table reduces there whatever comes next — as long as it only pops what
the three tokens pushed. The driver then applies that program instead of looking each step up.

Reducing before the next token is seen is what LALR parsers with default reductions do: it never accepts
input the table refuses (an unexpected token is still refused before it is shifted), it only builds a node
earlier; the node builders are pure, so the result is the same. A state where the program cannot be worked
out (a word there might be a keyword, or the tokens cannot all be shifted) gets none, and the driver falls
back to reading token by token.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

# One step of a program: (n, None) shifts the statement's n-th token; (size, reducer) pops `size` values and
# pushes what the prepared reducer (grammar/reducers.py) makes of them.
Step = tuple[int, Callable[[list], object] | None]  # type: ignore[type-arg]


@dataclass(frozen=True, slots=True)
class Fusion:
    """The statement shape read in one step: name, join and one of the value terminals (grammar/terms.py)."""

    name: str
    join: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Program:
    """What the table does with the three tokens in one state: its shifts and reductions in order, and the
    states left on the stack above that state afterwards (one per value left)."""

    steps: tuple[Step, ...]
    states: tuple[int, ...]


def programs(
    actions: Sequence[Mapping[str, object]],
    terminals: Collection[str],
    fusion: Fusion,
    expects_keyword: Sequence[bool],
) -> dict[int, dict[str, Program]]:
    """State (in which the name shifts) -> value terminal -> its Program, for every state that has one."""
    out: dict[int, dict[str, Program]] = {}
    for state, row in enumerate(actions):
        if type(row.get(fusion.name)) is not int:
            continue
        for value in fusion.values:
            try:
                program = _program(actions, terminals, state, (fusion.name, fusion.join, value), expects_keyword)
            except _Broken:
                continue
            if program is not None:
                out.setdefault(state, {})[value] = program
    return out


class _Broken(Exception):
    """A reduction with no goto after it."""


def _program(
    actions: Sequence[Mapping[str, object]],
    terminals: Collection[str],
    base: int,
    kinds: tuple[str, ...],
    expects_keyword: Sequence[bool],
) -> Program | None:
    stack = [base]
    steps: list[Step] = []
    height = 0  # values above the base state

    def reduce(action: tuple[int, Callable[[list], object], str]) -> bool:  # type: ignore[type-arg]
        nonlocal height
        size, reducer, origin = action
        if size > height:
            return False  # pops below the base: depends on what the stack holds there
        goto = actions[stack[-1 - size]].get(origin)
        if type(goto) is not int:
            raise _Broken  # tables that do not hold together (a damaged cache): no program here
        if size:
            del stack[-size:]
        stack.append(goto)
        height += 1 - size
        steps.append((size, reducer))
        return True

    for index, kind in enumerate(kinds):
        if stack[-1] != base and expects_keyword[stack[-1]]:
            return None  # the token might be read as a keyword here: the driver's keyword check must see it
        while True:  # the token is known: reduce as the table says for it, then shift it
            action = actions[stack[-1]].get(kind)
            if action is None:
                return None
            if type(action) is int:
                stack.append(action)
                height += 1
                steps.append((index, None))
                break
            if not reduce(action):  # type: ignore[arg-type]
                return None
    while True:  # then every reduction that does not depend on the next token
        row = actions[stack[-1]]
        found = [action for symbol, action in row.items() if symbol in terminals]
        if not found or type(found[0]) is int or any(action is not found[0] for action in found):
            break  # shifts here, or reduces one way or another depending on the next token
        if not reduce(found[0]):  # type: ignore[arg-type]
            break
    return Program(tuple(steps), tuple(stack[1:]))
