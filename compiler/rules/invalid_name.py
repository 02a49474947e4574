"""E205 invalid-name: an option or scope name with characters other than letters, digits, `_` and `-`.

Momentum names are made of letters, digits and underscores (module keys may also use `-`, as in
`NAS-IP-Address`). The grammar accepts any bare word as a name, so a stray character — a dotted name, a name glued
to its instance (`Listen:587 { }`) — reaches the checker as a name that nothing can match. Checked in
every scope, modules included.

Bad:
    ESMTP_Listener {
      Listen:587 { }
      Max.Message.Size = 10485760
    }

Good:
    ESMTP_Listener {
      Listen ":587" { }
      Max_Message_Size = 10485760
    }
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..nodes import Include, Option, Scope, Statement

CODE = "E205"
SUMMARY = "a name with characters other than letters, digits, '_' and '-'"
DEFAULT_SEVERITY = Severity.ERROR

BAD_CHARACTER = re.compile(r"[^A-Za-z0-9_-]")


def _all_statements(body: list[Statement], out: list[Option | Scope]) -> list[Option | Scope]:
    # A list filled by plain recursion: a chain of generators costs a resumption per level per statement.
    for statement in body:
        if isinstance(statement, Include):
            for included in statement.files:
                _all_statements(included.body, out)
            continue
        out.append(statement)
        if isinstance(statement, Scope):
            _all_statements(statement.body, out)
    return out


def _hint(statement: Option | Scope, char: str) -> str:
    name = statement.name
    head = name[: name.index(char)]
    if isinstance(statement, Scope) and char == ":" and head and statement.instance is None:
        # `Listen:587 { }`: the instance glued to the scope name.
        return f'separate the name from the address: `{head} "{name[len(head) :]}" {{ ... }}`'
    return "rename it using only letters, digits, '_' and '-'"


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    if ctx.loaded.root is None:
        return
    clean: set[str] = set()  # names already seen to be fine: most names repeat thousands of times
    for statement in _all_statements(ctx.loaded.root.body, []):
        if statement.name in clean:
            continue
        bad = BAD_CHARACTER.search(statement.name)
        if bad is None:
            clean.add(statement.name)
            continue
        char = bad.group()
        shown = repr(char) if char.isprintable() else f"U+{ord(char):04X}"
        what = "scope" if isinstance(statement, Scope) else "option"
        yield Diagnostic(
            CODE,
            f"{what} name {statement.name!r} contains {shown}; names may contain only letters, digits, '_' and '-'",
            statement.name_span,
            hint=_hint(statement, char),
        )
