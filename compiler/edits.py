"""Edits of a file's text, found on its lossless tree: the pieces every fix is made of.

Rule of this room: offsets in, offsets out; what to change and when it is safe are compiler/fixes.py's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..grammar.cst import Node, Token, Tree


@dataclass(frozen=True, slots=True)
class Edit:
    path: str
    start: int  # offsets in the tree's text (after any byte-order mark); end exclusive
    end: int
    text: str


def token_at(trees: Mapping[str, Tree], path: str, line: int, column: int) -> tuple[Tree, Token] | None:
    tree = trees.get(path)
    if tree is None:
        return None
    token = tree.token_at(tree.offset(line, column))
    return None if token is None else (tree, token)


def removal(tree: Tree, path: str, node: Node) -> Edit:
    """Removing a statement or a dictionary entry: with its line (and a comment on that line) when nothing
    else is on it, else with the blanks after it."""
    tokens = list(node.tokens())
    start, end = tokens[0].start, tokens[-1].end
    body = tree.text()[len(tree.bom) :]
    line_start = body.rfind("\n", 0, start) + 1
    rest = body[end : _following(tree, tokens[-1]).start]
    if body[line_start:start].strip(" \t") == "":
        newline = _end_of_line(rest)
        if newline is not None:
            return Edit(path, line_start, end + newline, "")
    return Edit(path, start, end + (len(rest) - len(rest.lstrip(" \t"))), "")


def statement_at(root: Node, offset: int, kinds: tuple[str, ...]) -> Node | None:
    """The statement of one of `kinds` that starts at `offset`."""
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.children:
            if isinstance(child, Node):
                if child.kind in kinds and child.first_token().start == offset:
                    return child
                if child.kind == "scope":
                    stack.append(child)
    return None


def _following(tree: Tree, token: Token) -> Token:
    tokens = tree.tokens()
    for candidate in tokens:
        if candidate is token:
            return next(tokens)
    return tree.end


def _end_of_line(trivia: str) -> int | None:
    """How far the rest of a line reaches into the trivia after a statement (through its line end), when
    nothing but blanks and comments follow it there; None when a comment runs on to the next lines."""
    at = 0
    while at < len(trivia):
        char = trivia[at]
        if char == "\n":
            return at + 1
        if char == "#":
            found = trivia.find("\n", at)
            return len(trivia) if found < 0 else found + 1
        if trivia.startswith("/*", at):
            close = trivia.index("*/", at + 2) + 2
            if "\n" in trivia[at:close]:
                return None
            at = close
            continue
        at += 1
    return len(trivia)


def apply(text: str, bom: str, edits: list[Edit]) -> str:
    body = text[len(bom) :]
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        body = body[: edit.start] + edit.text + body[edit.end :]
    return bom + body
