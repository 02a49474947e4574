"""A lossless concrete syntax tree: every byte of a file, in a tree shaped by the grammar's rules.

Rule of this room: the tree is built by the same parser as the syntax nodes (parser.py), with one generic
builder per grammar rule, so its shape is the grammar's and nothing here names a rule or a terminal. A token
carries its offsets in the text; what lies between two tokens (white space and comments, which the grammar
ignores) is kept, as it was written, as the *leading trivia* of the token after it, and what follows the
last token as the leading trivia of an END token. Printing concatenates trivia and token text, so the input
comes back byte for byte by construction (and `parse_tree` checks that it did). A byte-order mark is kept
aside, as the parser never sees it.

The tree is built on demand (a formatter, a fixer): linting never pays for it. A syntax node maps to the
tree through its span: `Tree.offset(line, column)` turns a node's position into an offset, and
`Tree.token_at(offset)` finds the token there.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from .parser import Parser, get_compiled
from .table_parser import END, Tok

BOM = "\ufeff"


@dataclass(slots=True)
class Token:
    kind: str  # the terminal's name (END for the end of the file)
    text: str  # as written
    start: int  # offsets in the file's text (after any byte-order mark); end exclusive
    end: int
    leading: str = ""  # the white space and comments between the previous token and this one, as written


@dataclass(slots=True)
class Node:
    kind: str  # the grammar rule (or its alias) that built it
    children: list[Node | Token]

    def tokens(self) -> Iterator[Token]:
        """Every token below, in the order of the text."""
        stack: list[Node | Token] = [self]
        while stack:
            item = stack.pop()
            if type(item) is Token:
                yield item
            else:
                stack.extend(reversed(item.children))  # type: ignore[union-attr]

    def first_token(self) -> Token:
        return next(self.tokens())


@dataclass(slots=True)
class Tree:
    path: str
    root: Node  # the `start` rule: the file's statements
    end: Token  # kind END, empty text; its leading trivia is what follows the last token
    bom: str = ""
    _starts: list[int] = field(default_factory=list, repr=False)  # offset of each line's first character
    _tokens: list[Token] = field(default_factory=list, repr=False)  # every token, for token_at (built once)

    def tokens(self) -> Iterator[Token]:
        yield from self.root.tokens()
        yield self.end

    def text(self) -> str:
        """The file's text, byte for byte as it was parsed (or as the tree now says)."""
        return self.bom + "".join(part for token in self.tokens() for part in (token.leading, token.text))

    def offset(self, line: int, column: int) -> int:
        """The offset of a 1-based line and column (as spans count them) in the text the tree was built from."""
        return self._starts[line - 1] + column - 1

    def token_at(self, offset: int) -> Token | None:
        """The token whose text holds `offset`, if any (a search in the tokens, which never overlap)."""
        if not self._tokens:
            self._tokens = list(self.tokens())
        at = bisect.bisect_right(self._tokens, offset, key=lambda t: t.start) - 1
        found = self._tokens[at] if at >= 0 else None
        return found if found is not None and found.start <= offset < found.end else None


def _generic(kind: str):  # type: ignore[no-untyped-def]
    def build(children: list[Node | Tok]) -> Node:
        return Node(kind, children)  # type: ignore[arg-type]

    return build


@lru_cache(maxsize=1)
def _parser() -> Parser:
    names = {rule.alias or rule.origin for rule in get_compiled().rules}
    return Parser({name: _generic(name) for name in names if not name.startswith("_")})


def line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    at = find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = find("\n", at + 1)
    return starts


def parse_tree(text: str, path: str, depth: int = 0) -> Tree:
    """The lossless tree of one file's text. Raises what Parser.parse raises (GrammarError, NestingTooDeep)."""
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    root = _parser().parse(body, depth).result
    assert type(root) is Node
    starts = line_starts(body)
    previous_end = 0
    # Tuples -> tokens with offsets and trivia, depth first and left to right: the order of the text.
    stack: list[tuple[Node, int]] = [(root, 0)]
    while stack:
        node, index = stack.pop()
        children = node.children
        for i in range(index, len(children)):
            child = children[i]
            if type(child) is tuple:
                kind, value, line, column = child[0], child[1], child[2], child[3]
                start = starts[line - 1] + column - 1
                children[i] = Token(kind, value, start, start + len(value), body[previous_end:start])
                previous_end = start + len(value)
            else:
                stack.append((node, i + 1))
                stack.append((child, 0))  # type: ignore[arg-type]
                break
    tree = Tree(path, root, Token(END, "", len(body), len(body), body[previous_end:]), bom, starts)
    if tree.text() != text:  # a terminal the grammar drops would land in trivia: never silently lossy
        raise ValueError(f"{path}: the syntax tree does not give back the text")
    return tree
