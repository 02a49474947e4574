"""The canonical layout of a config file, written from its lossless syntax tree (grammar/cst.py).

Rule of this room: layout only, never meaning. Every token is written as it was (names keep their case,
strings their quotes and escapes); what changes is the white space between tokens, plus three things the
grammar says carry no meaning: the commas of an array, the optional `=` before a container (always written)
and in `Name = { ... }` (never written: `Name { ... }`), and the quotes of a dictionary key that reads the
same bare. Every comment is kept, in order. The layout:

- two spaces per level; one statement per line; `Name = value`;
- an array, or a dictionary of one entry, on one line when it fits in WIDTH columns and holds no comment,
  else one item a line (`( a b )`, `[ k = v ]`, with spaces inside, as `ecconf text` writes them); a
  dictionary of several entries always has one entry a line (nothing but a space would part `k = v k2 = v2`);
- an empty scope with nothing inside it on one line, `Name { }`;
- a comment on a line of its own stays on its own line, before what followed it; a comment after a token on
  the same line stays at the end of that line (a line comment inside a statement's head moves to the end of
  its line, as it cannot be followed by anything);
- blank lines collapsed to at most one, none at the start of a file or a block, none before a closing bracket;
- line ends: those of the file's first line end (outside comments and strings), LF when it has none; a
  byte-order mark stays; the file ends with one line end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..grammar.cst import Node, Token, Tree

INDENT = "  "
WIDTH = 100  # a container whose one-line form would end past this column gets one item a line
# A dictionary key written bare when it is quoted but needs no quotes (`ecconf text` writes keys the same way).
BARE_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")
KEYWORDS = frozenset({"include", "readonly_include"})  # a key spelled so stays quoted: never read as the keyword

# The pieces of trivia: white space and comments are all it can hold (the parser accepted the file). A block
# comment ends at the first `*/`, as the grammar's BLOCK_COMMENT does.
_PIECES = re.compile(r"#[^\r\n]*|/\*.*?\*/|[ \t\r\n\f\v]+", re.S)
_ESCAPE = re.compile(r'\\(["\\])')
_SCALARS = frozenset({"string", "word"})


def bare_key(text: str) -> str | None:
    """The bare spelling of a quoted key that means the same bare, else None."""
    if len(text) < 2 or not text.startswith('"') or "\\" in text:
        return None
    inner = text[1:-1]
    return inner if BARE_KEY.match(inner) and inner.lower() not in KEYWORDS else None


def line_end(tree: Tree) -> str:
    """CRLF when the first line end between tokens (not inside a comment or a string) is one, else LF."""
    for token in tree.tokens():
        for piece in _PIECES.findall(token.leading):
            at = piece.find("\n") if piece[0] not in "#/" else -1
            if at >= 0:
                return "\r\n" if at > 0 and piece[at - 1] == "\r" else "\n"
    return "\n"


@dataclass(slots=True)
class _Trivia:
    trailing: list[str] = field(default_factory=list)  # comments on the line of the token before
    own: list[tuple[bool, str]] = field(default_factory=list)  # (a blank line before it, comment): own lines
    blank: bool = False  # a blank line right before the token


def _trivia(leading: str, after_token: bool) -> _Trivia:
    out = _Trivia()
    newlines = 0
    same_line = after_token
    for piece in _PIECES.findall(leading):
        if piece[0] in "#/":
            if same_line:
                out.trailing.append(piece)
            else:
                out.own.append((newlines >= 2, piece))
            newlines = 0
        else:
            count = piece.count("\n")
            if count:
                same_line = False
                newlines += count
    out.blank = newlines >= 2
    return out


@dataclass(slots=True)
class _Line:
    indent: str
    parts: list[str] = field(default_factory=list)
    pre: list[tuple[bool, str]] = field(default_factory=list)  # comment lines to write before it
    post: list[str] = field(default_factory=list)  # a line comment to write at its end
    # Comments that come after the line's own in the text but cannot go on it (a second line comment, or one
    # on a line of its own before a later token of this line): written on lines of their own after it, so
    # that comments keep their order.
    after: list[str] = field(default_factory=list)
    commented: bool = False  # a comment is on the line already
    blank: bool = False

    def text(self) -> str:
        return self.indent + " ".join(self.parts)


class _Formatter:
    def __init__(self, tree: Tree) -> None:
        self.tokens = list(tree.tokens())
        self.index = {id(token): i for i, token in enumerate(self.tokens)}
        self.lines: list[str] = []
        self.fresh = True  # at the start of the file or of a block: no blank line here

    def trivia(self, token: Token) -> _Trivia:
        return _trivia(token.leading, self.index[id(token)] > 0)

    # -- writing lines --------------------------------------------------------------------------------------
    def emit(self, text: str, blank: bool) -> None:
        if blank and not self.fresh and self.lines:
            self.lines.append("")
        self.lines.append(text)
        self.fresh = False

    def commit(self, line: _Line, opens: bool = False) -> None:
        for blank, comment in line.pre:
            self.emit(line.indent + comment, blank)
        blank = line.blank
        if line.parts:
            self.emit(line.text() + "".join(" " + c for c in line.post), blank)
        elif line.post:
            self.emit(line.indent + " ".join(line.post), blank)
        for comment in line.after:  # after an opening bracket they are inside the block
            self.emit(line.indent + (INDENT if opens else "") + comment, False)
        self.fresh = opens

    def put(self, line: _Line, token: Token, text: str | None = None, *, drop: bool = False, own: bool = True) -> None:
        """Write a token into a line (or only its comments, when dropped): comments on lines of their own go
        before the line, comments after it on its line stay after it. `own=False`: those before it are
        already written."""
        trivia = self.trivia(token)
        if own and trivia.own:
            if line.commented or line.after:
                line.after.extend(comment for _blank, comment in trivia.own)
            else:
                line.pre.extend(trivia.own)
        if not line.parts and not drop:
            line.blank = trivia.blank or (not own and bool(trivia.own))
        if not drop:
            line.parts.append(token.text if text is None else text)
        following = self.tokens[self.index[id(token)] + 1] if self.index[id(token)] + 1 < len(self.tokens) else None
        if following is not None:
            for comment in _trivia(following.leading, True).trailing:
                if line.post or line.after:
                    line.after.append(comment)
                else:
                    (line.post if comment[0] == "#" else line.parts).append(comment)
                    line.commented = True

    def close(self, token: Token, depth: int) -> _Line:
        """A closing bracket's line; comments before it stay inside the block."""
        inner = INDENT * (depth + 1)
        for blank, comment in self.trivia(token).own:
            self.emit(inner + comment, blank)
        line = _Line(INDENT * depth)
        self.put(line, token, own=False)
        line.blank = False
        return line

    # -- statements -----------------------------------------------------------------------------------------
    def body(self, statements: list[Node | Token], depth: int) -> None:
        for statement in statements:
            if type(statement) is Node:
                self.statement(statement, depth)

    def statement(self, node: Node, depth: int) -> None:
        line = _Line(INDENT * depth)
        children = node.children
        if node.kind == "scope":
            body: list[Node | Token] = []
            opened = False
            for child in children[:-1]:
                if opened:
                    body.append(child)
                elif type(child) is Node:  # the instance
                    self.put(line, child.first_token())
                elif child.kind == "EQUALS":  # type: ignore[union-attr]
                    self.put(line, child, drop=True)  # type: ignore[arg-type]
                else:
                    self.put(line, child)  # type: ignore[arg-type]
                    opened = child.kind == "LBRACE"  # type: ignore[union-attr]
            closer = children[-1]
            assert isinstance(closer, Token)
            if not body and not closer.leading.strip() and not line.post and not line.after:
                self.put(line, closer)  # an empty scope, nothing inside it: `Name { }`
                self.commit(line)
                return
            self.commit(line, opens=True)
            self.body(body, depth + 1)
            self.commit(self.close(children[-1], depth))  # type: ignore[arg-type]
            return
        head = children[0]
        assert type(head) is Token
        self.put(line, head)
        if node.kind == "option":
            if type(children[1]) is Token:
                self.put(line, children[1])
            else:
                line.parts.append("=")
        value = children[-1]
        assert type(value) is Node
        self.commit(self.value(line, value, depth))

    # -- values ---------------------------------------------------------------------------------------------
    def value(self, line: _Line, node: Node, depth: int) -> _Line:
        """Write a value into `line`; returns the line that is open after it."""
        if node.kind in _SCALARS:
            self.put(line, node.first_token())
            return line
        if not _comments_inside(node) and (node.kind != "dict" or len(node.children) <= 3):
            flat = _flat_parts(node, [])
            text = " ".join(flat)
            if "\n" not in text and len(line.text()) + 1 + len(text) <= WIDTH:
                self.flat(line, node)
                return line
        children = node.children
        self.put(line, children[0])  # type: ignore[arg-type]
        current = line
        for child in children[1:-1]:
            if isinstance(child, Token):  # a comma: only its comments are kept
                self.put(current, child, drop=True)
                continue
            self.commit(current, opens=current is line)
            current = _Line(INDENT * (depth + 1))
            build = self.entry if child.kind == "entry" else self.value
            current = build(current, child, depth + 1)
        self.commit(current, opens=current is line)
        return self.close(children[-1], depth)  # type: ignore[arg-type]

    def entry(self, line: _Line, node: Node, depth: int) -> _Line:
        key = node.children[0]
        assert type(key) is Token
        self.put(line, key, bare_key(key.text) if key.kind == "STRING" else None)
        if type(node.children[1]) is Token:
            self.put(line, node.children[1])
        else:
            line.parts.append("=")
        return self.value(line, node.children[-1], depth)  # type: ignore[arg-type]

    def flat(self, line: _Line, node: Node) -> None:
        """A container (without comments inside) on one line."""
        if node.kind in _SCALARS:
            self.put(line, node.first_token())
            return
        if node.kind == "entry":
            key = node.children[0]
            assert type(key) is Token
            self.put(line, key, bare_key(key.text) if key.kind == "STRING" else None)
            if type(node.children[1]) is Token:
                self.put(line, node.children[1])
            else:
                line.parts.append("=")
            self.flat(line, node.children[-1])  # type: ignore[arg-type]
            return
        for child in node.children:
            if type(child) is Node:
                self.flat(line, child)
            else:
                self.put(line, child, drop=child.kind == "COMMA")  # type: ignore[arg-type, union-attr]


def _comments_inside(node: Node) -> bool:
    tokens = node.tokens()
    next(tokens)
    return any(token.leading.strip() for token in tokens)  # trivia is white space and comments only


def _flat_parts(node: Node, out: list[str]) -> list[str]:
    if node.kind == "entry":
        key = node.children[0]
        assert type(key) is Token
        out.append((bare_key(key.text) if key.kind == "STRING" else None) or key.text)
        out.append("=")
        _flat_parts(node.children[-1], out)  # type: ignore[arg-type]
        return out
    for child in node.children:
        if isinstance(child, Node):
            _flat_parts(child, out)
        elif child.kind != "COMMA":
            out.append(child.text)
    return out


def format_tree(tree: Tree) -> str:
    """The file's text in the canonical layout."""
    formatter = _Formatter(tree)
    formatter.body(tree.root.children, 0)
    for blank, comment in formatter.trivia(tree.end).own:
        formatter.emit(comment, blank)
    newline = line_end(tree)
    return tree.bom + (newline.join(formatter.lines) + newline if formatter.lines else "")
