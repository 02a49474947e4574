"""The fix for E105: typographic quotes used as string delimiters become straight ones.

Rule of this room: a quote is straightened only where that is unambiguous, and never where it is text. The
stretch straightened is the first that works of: the word itself (`“gold.example.com”`), a run of words of
one array on one line (`( “4 hours” )`, read as `“4` and `hours”`), the array or dictionary around it
(`("bc:10” "bc:24”)`, where a string runs on past its `”`). It works when every typographic quote in it,
made straight, opens or closes a string that lies inside the stretch, no such string holds an escape (the
word `“a\\\\b”` is `a\\\\b`, a string `"a\\\\b"` would be `a\\b`), and the text after the stretch reads as before.
A quote that would be text (`"say “hi”"` is not even a finding; `"5″ screen"` is, and stays) or that stands
in a comment stops the fix there. compiler/fixes.py then keeps the fix only when the config has the
findings it had less the quotes fixed. The checks cost a parse: of the stretch alone when it is a whole
value, of the whole file (when the straightened stretch reaches over statements) only for small files.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping

from ..grammar.cst import Node, Token, Tree, parse_tree
from .build import Built
from .diagnostics import Diagnostic
from .edits import Edit, token_at
from .transform import unescape

# The typographic double quotes (as rule E105 names them), and those that open.
TYPOGRAPHIC_QUOTES = frozenset("\u201c\u201d\u201e\u201f\u2033")
OPENING = frozenset("\u201c\u201e\u201f")
# A stretch that only parses in its file (it reaches over statements) is checked by parsing the whole file
# again, once per finding: only for files up to this many characters (copied snippets are small).
WHOLE_FILE_CHECK = 16384
_PREFIX = "x = "  # a stretch that is a whole value is checked as the value of an option of its own
# Stretches found not to work, per tree (the trees of the last few files): each array is parsed once, not
# once for each of its findings. Held with the tree itself, so a tree's id is never taken for another's.
_REFUSED: dict[str, tuple[Tree, set[tuple[int, int]]]] = {}
_REFUSED_FILES = 8


def typographic_quotes(
    finding: Diagnostic, trees: Mapping[str, Tree], _built: Built | None = None
) -> list[Edit] | None:
    found = token_at(trees, finding.span.path, finding.span.line, finding.span.column)
    if found is None or found[1].kind not in ("STRING", "WORD"):
        return None
    tree, token = found
    path = _ancestors(tree.root, token)
    known = _REFUSED.get(finding.span.path)
    if known is None or known[0] is not tree:
        if len(_REFUSED) >= _REFUSED_FILES:
            _REFUSED.clear()
        known = _REFUSED[finding.span.path] = (tree, set())
    refused = known[1]
    for start, end, stretch, is_value in _stretches(tree, token, path):
        if (start, end) in refused:
            continue
        if stretch is None:
            node = next(n for n in reversed(path) if n.kind in ("array", "dict") and n.first_token().start == start)
            tokens = list(node.tokens())
            stretch = "".join(part for t in tokens for part in (t.leading, t.text))[len(tokens[0].leading) :]
        straight = _straightened(tree, finding.span.path, start, end, stretch, is_value)
        if straight is not None:
            return [Edit(finding.span.path, start, end, straight)]
        refused.add((start, end))
    return None


def _stretches(tree: Tree, token: Token, path: list[Node]) -> Iterator[tuple[int, int, str | None, bool]]:
    """Where a fix of the quotes in `token` may reach, innermost first: (start, end, its text, a value?)."""
    yield token.start, token.end, token.text, True
    if token.kind == "WORD" and token.text[0] in OPENING and len(path) >= 2 and path[-2].kind == "array":
        items = path[-2].children
        at = next(i for i, c in enumerate(items) if c is path[-1])
        text = token.text
        for item in items[at + 1 :]:
            word = item.first_token() if isinstance(item, Node) else item
            if not isinstance(item, Node) or item.kind != "word" or word.leading.strip(" \t") or not word.leading:
                break
            if TYPOGRAPHIC_QUOTES.intersection(word.text[:-1]):
                break
            text += word.leading + word.text
            if word.text[-1] in TYPOGRAPHIC_QUOTES:
                yield token.start, word.end, text, False
                break
    for node in reversed(path):
        if node.kind in ("option", "scope", "start"):
            break
        if node.kind in ("array", "dict"):
            first, last = node.first_token(), _last_token(node)
            yield first.start, last.end, None, True  # its text is read only when it is tried


def _straightened(tree: Tree, path: str, start: int, end: int, stretch: str, is_value: bool) -> str | None:
    """The stretch with its typographic quotes made straight, if that works (see the module's rule)."""
    places = [i for i, char in enumerate(stretch) if char in TYPOGRAPHIC_QUOTES]
    if not places:
        return None
    straight = "".join('"' if char in TYPOGRAPHIC_QUOTES else char for char in stretch)
    if '"' not in stretch and places == [0, len(stretch) - 1]:
        # Words only, quoted at both ends: one string, which nothing else can re-cut.
        return straight if unescape(straight) == straight[1:-1] else None
    tokens = _tokens_alone(straight) if is_value else None
    local = tokens is not None
    if tokens is not None:
        offset = start - len(_PREFIX)
        new = [(t.kind, t.text, t.start + offset, t.end + offset) for t in tokens[2:]]  # past `x =`
        if not new or new[0][2] != start or new[-1][3] != end:
            local = False
    if not local:
        if tree.end.end > WHOLE_FILE_CHECK:
            return None
        body = tree.text()[len(tree.bom) :]
        try:
            again = parse_tree(body[:start] + straight + body[end:], path)
        except Exception:  # GrammarError, nesting: the straight quotes do not make a config
            return None
        every = list(again.tokens())
        if any(t.start < start < t.end or t.start < end < t.end for t in every):
            return None  # a string now runs out of the stretch (or into it)
        after = [(t.kind, t.text, t.start) for t in tree.tokens() if t.start >= end]
        if after != [(t.kind, t.text, t.start) for t in every if t.start >= end]:
            return None
        new = [(t.kind, t.text, t.start, t.end) for t in every if start <= t.start < end]
    return straight if _delimits(tree, start, end, places, new, local) else None


def _delimits(
    tree: Tree, start: int, end: int, places: list[int], new: list[tuple[str, str, int, int]], local: bool
) -> bool:
    """Whether, read again, every straightened quote opens or closes a string that holds no escape, and what
    the reading changed looks like what was meant: no new string that starts or ends with a blank (the text
    between two tokens, caught by re-cut quotes: `"x″ y" "z"`), and within a value no new bare word."""
    old = {(t.kind, t.text, t.start) for t in tree.tokens() if start <= t.start < end}
    edges = {}
    for kind, text, first, last in new:
        if (kind, text, first) in old:
            continue
        if kind == "WORD" and local:
            return False
        if kind == "STRING":
            inner = text[1:-1]
            if not inner or inner != inner.strip() or unescape(text) != inner:
                return False
            edges[first] = edges[last - 1] = kind
    return all(edges.get(start + place) == "STRING" for place in places)


def _tokens_alone(value: str) -> list[Token] | None:
    """The tokens of `x = VALUE` (its own file), or None when that is not a config of one option."""
    try:
        tree = parse_tree(_PREFIX + value + "\n", "<stretch>")
    except Exception:
        return None
    statements = [c for c in tree.root.children if isinstance(c, Node)]
    if len(statements) != 1 or statements[0].kind != "option":
        return None
    return list(statements[0].tokens())


def _ancestors(root: Node, token: Token) -> list[Node]:
    """The nodes from the root down to the one holding `token` (children are in the order of the text)."""
    path = [root]
    while True:
        children = path[-1].children
        at = bisect.bisect_right(children, token.start, key=_start) - 1
        if at < 0:
            return path
        child = children[at]
        if child is token or not isinstance(child, Node):
            return path
        path.append(child)


def _start(item: Node | Token) -> int:
    return item.first_token().start if isinstance(item, Node) else item.start


def _last_token(node: Node) -> Token:
    item: Node | Token = node
    while isinstance(item, Node):
        item = item.children[-1]
    return item
