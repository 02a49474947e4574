"""What lint may show of an included file: nothing of one that is not a config at all.

Rule of this room: judgements on text and parse trees only, no reading. An include may name any readable
file (`/etc/shadow`, `/proc/self/environ`, a `.env` of API keys), and lint's output ends up in CI logs, so a
file read through an include is only quoted once it shows itself a config: an include, or at least half of
its first statements naming a Momentum option, scope or module stanza ecconf knows (in any scope), or a small
misspelling of one (half, because `USER=` and `HOSTNAME=` of a `.env` are option names too). Until then:
- a syntax error names the file, line, column and byte offset, no excerpt and no token text;
- a file that parses but holds no such statement (`API_TOKEN=tok-123`) is left out of the config, and said
  so once, at its first line, with the same reticence (its statements are not checked: the error says so).
"""

from __future__ import annotations

import re

from .diagnostics import Diagnostic, Related
from .nodes import File, Include, Option, Scope
from .option_table import CHECKED_SCOPES, table
from .span import Span

SYNTAX = "E100"

# Control characters other than a tab or a line end: binary data, or /proc's NUL-separated records.
_CONTROLS = frozenset(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r\f") | {"\x7f"}
# A statement's first word, where a line starts one: `Name =`, `Name {`, `Name "instance" {`, `include`.
# Bounded pieces only (no nested repeats), so the scan is linear in the text.
_STATEMENT_START = re.compile(r"^[ \t]*([A-Za-z_][A-Za-z0-9_]{0,200})", re.M)
HINT = "check that the include names a Momentum configuration file"


# The statements judged: the first ones of a file tell what it is, and a bound keeps the typo search cheap.
SAMPLE = 64


def _known(name: str) -> bool:
    """A name a config would hold: a known option or scope, an include, or a small misspelling of a known
    name (a fragment whose one line is a typo is still a config, and `--fix` mends it)."""
    known = table()
    if name.lower() in ("include", "readonly_include") or known.option(name) or known.scope(name):
        return True
    return any(known.typo_of(name, kind, scopes=scopes) for kind in sorted(CHECKED_SCOPES) for scopes in (False, True))


def _mostly_known(names: list[str]) -> bool:
    sample = names[:SAMPLE]
    known = sum(map(_known, sample))
    return known > 0 and 2 * known >= len(sample)


def text_shows_a_config(head: str) -> bool:
    """Whether the lines a parser read before it stopped start mostly with known names (or an include)."""
    return _mostly_known([match.group(1) for match in _STATEMENT_START.finditer(head)])


def unknown_statements(tree: File) -> int | None:
    """How many top-level statements of a parsed file name nothing ecconf knows, when they are more than half
    and there is no include; None: the file shows itself a config (an empty one hides nothing)."""
    statements = [s for s in tree.body if isinstance(s, (Option, Scope, Include))]
    if not statements or any(isinstance(s, Include) for s in statements):
        return None
    names = [s.name for s in statements if not isinstance(s, Include)]
    return None if _mostly_known(names) else len(names) - sum(map(_known, names[:SAMPLE]))


def _offset(text: str, line: int, column: int) -> int:
    start = 0
    for _ in range(line - 1):
        found = text.find("\n", start)
        if found < 0:
            return len(text)
        start = found + 1
    return min(start + column - 1, len(text))


def opaque_syntax_error(text: str, span: Span) -> Diagnostic | None:
    """The syntax error to give in place of the parser's for a file read from a path that does not show
    itself a config before `span` (where the parser stopped); None: it does, say the parser's error."""
    offset = _offset(text, span.line, span.column)
    if _CONTROLS.isdisjoint(text) and text_shows_a_config(text[:offset]):
        return None
    return Diagnostic(
        SYNTAX,
        f"not a configuration file: it cannot be parsed (at byte offset {len(text[:offset].encode())});"
        " its content is not shown",
        span,
        hint=HINT,
        quote=False,
    )


def sealed_file(tree: File, unknown: int, included_at: Span) -> Diagnostic:
    """What to say of an included file that parsed but names mostly nothing ecconf knows: left out, unquoted."""
    count = sum(isinstance(s, (Option, Scope)) for s in tree.body)
    return Diagnostic(
        SYNTAX,
        f"not a configuration file: {unknown} of its {count} statements name no Momentum option or scope,"
        " so it is left out unchecked; its content is not shown",
        Span(tree.path, 1, 1, 1, 2),
        hint=HINT,
        related=(Related(included_at, "included here"),),
        quote=False,
    )
