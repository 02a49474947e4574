"""What a new layout must leave as it was: the syntax nodes, and what the suppression comments silence.

Rule of this room: compare, never change. compiler/fmt.py lays a file out; the command checks with these
before it writes (and the property tests check them over every corpus), so that a layout bug refuses a
file instead of changing what it means.
"""

from __future__ import annotations

from .nodes import Array, Dict, Include, Option, Scalar, Scope


def meaning(text: str, path: str) -> list[object]:
    """What a file says, without where or how it says it: the syntax nodes with spans and quoting left out.
    Formatting must leave this unchanged (the command checks it before it writes)."""
    from .transform import parse_text

    return [_shape(statement) for statement in parse_text(text, path).body]


def _shape(node: object) -> object:
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Array):
        return ("array", [_shape(item) for item in node.items])
    if isinstance(node, Dict):
        return ("dict", [(entry.key, _shape(entry.value)) for entry in node.entries])
    if isinstance(node, Option):
        return ("option", node.name, _shape(node.value))
    if isinstance(node, Scope):
        instance = None if node.instance is None else node.instance.value
        return ("scope", node.name, instance, [_shape(s) for s in node.body])
    assert isinstance(node, Include)
    return ("include", node.readonly, _shape(node.target))


def suppressed(text: str, path: str) -> list[frozenset[str]]:
    """For every place a finding can be reported at (each name, value, key and bracket, in order), the codes
    that the file's suppression comments silence there. Suppressions count lines, so a new layout can move
    a place out of a comment's reach (two statements of one line, split): the command refuses that."""
    from .suppress import collect, parse_directive
    from .transform import parse_text

    if "ecconf:" not in text.lower():
        return []
    file = parse_text(text, path)
    # Every code the comments name counts as known here: the same on both sides of the comparison.
    written = [code for d in map(parse_directive, file.comments) if d is not None for code in d.codes]
    suppressions = collect([(file, text.removeprefix("\ufeff"))], written)
    by_line = suppressions.by_line.get(path, {})
    lines: list[int] = []
    for statement in file.body:
        _lines_of(statement, lines)
    return [frozenset(by_line.get(line, ())) for line in lines]


def _lines_of(node: object, out: list[int]) -> None:
    if isinstance(node, Scalar):
        out.append(node.span.line)
    elif isinstance(node, Array):
        out.append(node.span.line)
        for item in node.items:
            _lines_of(item, out)
    elif isinstance(node, Dict):
        out.append(node.span.line)
        for entry in node.entries:
            out.append(entry.key_span.line)
            _lines_of(entry.value, out)
    elif isinstance(node, Option):
        out.append(node.name_span.line)
        _lines_of(node.value, out)
    elif isinstance(node, Scope):
        out.append(node.name_span.line)
        if node.instance is not None:
            out.append(node.instance.span.line)
        out.append(node.open_span.line)
        for statement in node.body:
            _lines_of(statement, out)
    elif isinstance(node, Include):
        out.append(node.span.line)
        _lines_of(node.target, out)
