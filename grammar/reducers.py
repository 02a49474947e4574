"""Lark's tree-shaping rules, applied as reductions: one prepared callable per grammar rule.

Rule of this room: what a rule hands its builder is exactly what Lark's own tree would hold under that rule
(filtered-out terminals dropped, children of `_inlined` rules and of Lark's `x*` repetitions spliced in, a
`?rule` with one child passed through, `-> alias` naming the builder), so the fast driver and Lark's tree
feed the same builders the same children. An inlined rule hands its parent a plain list of children to
splice; every such list is fresh (a slice of the value stack, or one built here) and has one owner, so a
repetition can keep growing the list its first item made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .compiled import Rule

Builder = Callable[[list[Any]], object]
Builders = Mapping[str, Builder]


def reducer_for(rule: Rule, builders: Builders) -> Callable[[list], object]:  # type: ignore[type-arg]
    """One callable for one grammar rule, with Lark's tree-shaping rules applied: filtered-out terminals
    dropped, children of inlined rules spliced in, `?rule` with one child passed through, `-> alias` named."""
    expansion, origin, alias = rule.expansion, rule.origin, rule.alias
    expand1, keep_all = rule.expand1, rule.keep_all_tokens
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
                if inline and i == keep[0]:
                    out = args[i]  # left recursion (`__x_star_N`): keep growing the same list
                else:
                    out.extend(args[i])
            else:
                out.append(args[i])
        return out

    if inline:
        return _inline(keep, splice, len(expansion), children_of)
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


def _inline(keep: list[int], splice: set[int], size: int, children_of: Callable[[list], list]):  # type: ignore[no-untyped-def, type-arg]
    """An inlined rule's reducer: the children to splice into the parent. The shapes Lark's repetitions
    (`x*` -> `__x_star_N`) and `_rule`s take get a direct form: they run once per statement and per array
    item, so the generic one would show."""
    if keep == [0] and size == 1:
        if 0 in splice:
            return _first  # `__x: _y`: already children to splice
        return _as_is  # `_y: x`: the fresh one-item slice is the list
    if keep == [0, 1] and size == 2 and 0 in splice:
        return _grow_by_splice if 1 in splice else _grow
    return children_of


def _first(args: list) -> list:  # type: ignore[type-arg]
    return args[0]  # type: ignore[no-any-return]


def _as_is(args: list) -> list:  # type: ignore[type-arg]
    return args


def _grow_by_splice(args: list) -> list:  # type: ignore[type-arg]
    out: list = args[0]  # type: ignore[type-arg]
    out.extend(args[1])
    return out


def _grow(args: list) -> list:  # type: ignore[type-arg]
    out: list = args[0]  # type: ignore[type-arg]
    out.append(args[1])
    return out
