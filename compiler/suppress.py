"""In-file suppression comments: which findings the author of a config has chosen to silence, and where.

Rule of this room: comments in, a filter and its own problems out; no file reads (the loader kept every text).
The forms (codes are full codes or prefixes, comma separated; text after them is a free-form reason):

    Option = value  # ecconf: disable=A401,E203   -> those codes on this line
    # ecconf: disable=A401                          -> (own line) those codes on the next statement
    # ecconf: disable-file=E203                     -> (anywhere) those codes in the whole file
    Option = value  # ecconf: disable               -> every code on this line

The next statement is the first option, scope or include that starts after the comment; an option is covered
over all its lines, a scope over its header (name, instance and `{`) only, so a comment above a Listen does not
silence everything inside it. A code that names no known rule is reported as E001, so a typo does not silently
leave a finding switched on; a comment that names many reports the first MAX_UNKNOWN_PER_COMMENT and how
many more. Every step is linear in the comments' length: an unknown code is kept nowhere, and a finding is
matched against the prefixes of its own code, not against every code written.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .diagnostics import Diagnostic, Severity
from .nodes import Comment, File, Include, Option, Scope, Statement
from .span import Span

UNKNOWN_CODE = "E001"
UNKNOWN_SUMMARY = "suppression comment names an unknown rule code"
UNKNOWN_SEVERITY = Severity.WARNING
UNKNOWN_DOC = """E001 unknown-suppression: a suppression comment names a code that no rule has.

An `# ecconf: disable=...` comment silences findings by rule code or code prefix. A code or prefix that
matches no rule silences nothing, usually because of a typo, so it is reported instead of being ignored.

Bad:
    Hostname = mx.example.com  # ecconf: disable=A4O1

Good:
    Hostname = mx.example.com  # ecconf: disable=A401
"""

UNUSED_CODE = "E002"
UNUSED_SUMMARY = "suppression comment that silences nothing"
UNUSED_SEVERITY = Severity.WARNING
UNUSED_DOC = """E002 unused-suppression: a suppression comment silences no finding.

A suppression written for a finding that has since been fixed (or moved to another line) silences nothing,
and would silently hide the next finding of that code there. It is reported so that it can be removed. Only
codes whose rules ran are judged: a comment for a rule that --select/--ignore switched off is left alone,
and so is one for a rule that reads the machine's files (A406, A407, A412, S505), whose findings may rightly
differ between the machine that lints and the one that serves.

Bad:
    Hostname = "mx.example.com"  # ecconf: disable=E203

Good:
    Hostname = "mx.example.com"
"""

_DIRECTIVE = re.compile(
    r"ecconf:\s*(?P<kind>disable-file|disable)(?![\w-])(?:\s*(?P<eq>=)\s*(?P<codes>\w+(?:\s*,\s*\w+)*)?)?",
    re.IGNORECASE,
)
ALL_CODES = ""  # the empty prefix: every code starts with it
# E001s one comment gets, one per unknown code; the rest are counted in one more. A typo is one or two codes,
# and a generated comment of thousands would otherwise print thousands of findings at one place.
MAX_UNKNOWN_PER_COMMENT = 10
_NONE: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Directive:
    kind: str  # "disable" or "disable-file"
    codes: tuple[str, ...]  # upper case; (ALL_CODES,) for a bare `disable`; () when `=` names nothing
    comment: Comment


@dataclass
class Suppressions:
    """What is silenced: per file, per line (prefix sets), and file-wide."""

    by_line: dict[str, dict[int, set[str]]] = field(default_factory=dict)
    by_file: dict[str, set[str]] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    # Each directive with what it covers (None: the whole file) and its known codes, to find the unused.
    written: list[tuple[Directive, str, range | None, frozenset[str]]] = field(default_factory=list)

    def silences(self, diagnostic: Diagnostic) -> bool:
        span, code = diagnostic.span, diagnostic.code
        here = (self.by_file.get(span.path, _NONE), self.by_line.get(span.path, {}).get(span.line, _NONE))
        return any(code[:n] in prefixes for prefixes in here if prefixes for n in range(len(code) + 1))

    def unused(self, silenced: Iterable[Diagnostic], ran: Callable[[str], bool]) -> Iterator[Diagnostic]:
        """E002 for each directive none of whose known codes silenced a finding, among the codes whose
        rules `ran` (a prefix ran if any rule it names did)."""
        here: dict[tuple[str, int], set[str]] = {}
        anywhere: dict[str, set[str]] = {}
        for d in silenced:
            here.setdefault((d.span.path, d.span.line), set()).add(d.code)
            anywhere.setdefault(d.span.path, set()).add(d.code)
        for directive, path, lines, codes in self.written:
            judged = {c for c in codes if ran(c)}
            if not judged:
                continue
            if lines is None:
                hit = any(code.startswith(tuple(judged)) for code in anywhere.get(path, ()))
            else:
                hit = any(code.startswith(tuple(judged)) for line in lines for code in here.get((path, line), ()))
            if not hit:
                what = "this file" if lines is None else "the line it covers"
                shown = ", ".join(sorted(c or "all codes" for c in judged))
                yield Diagnostic(
                    UNUSED_CODE,
                    f"the suppression of {shown} silences nothing in {what}",
                    directive.comment.span,
                    severity=UNUSED_SEVERITY,
                    hint="remove it (or the codes it no longer needs)",
                )


def parse_directive(comment: Comment) -> Directive | None:
    match = _DIRECTIVE.search(comment.text)
    if match is None:
        return None
    written = match.group("codes")
    if written:
        codes = tuple(c.strip().upper() for c in written.split(","))
    else:  # `disable` alone means every code; `disable=` followed by nothing usable means none
        codes = () if match.group("eq") else (ALL_CODES,)
    return Directive(match.group("kind").lower(), codes, comment)


def _statements(body: list[Statement]) -> Iterator[Statement]:
    """Every statement of one file at every depth (included files are other files and are not entered)."""
    for statement in body:
        yield statement
        if isinstance(statement, Scope):
            yield from _statements(statement.body)


def _covered_lines(statement: Statement) -> range:
    if isinstance(statement, Scope):
        return range(statement.span.line, statement.open_span.line + 1)
    assert isinstance(statement, Option | Include)
    return range(statement.span.line, statement.span.end_line + 1)


def _is_trailing(comment: Comment, lines: list[str]) -> bool:
    """True when something other than blanks comes before the comment on its line."""
    index = comment.span.line - 1
    return 0 <= index < len(lines) and lines[index][: comment.span.column - 1].strip() != ""


def _next_statement_lines(after: Span, starts: list[tuple[int, range]], lines: list[int]) -> range:
    """The lines of the first statement(s) starting after `after`; `lines` are the start lines of `starts`,
    both in document order (so sorted)."""
    first = bisect.bisect_right(lines, after.end_line)
    if first == len(lines):
        return range(0)
    covered: list[int] = []
    for line, span in starts[first:]:
        if line != lines[first]:
            break
        covered += (span.start, span.stop - 1)
    return range(min(covered), max(covered) + 1)


def _unknown(directive: Directive, known: frozenset[str]) -> Iterator[Diagnostic]:
    """E001s for this comment; `known` holds every prefix of every known code."""
    span = directive.comment.span
    if not directive.codes:
        yield Diagnostic(
            UNKNOWN_CODE,
            "the suppression names no rule code after `=`, so it silences nothing",
            span,
            severity=UNKNOWN_SEVERITY,
            hint="write the codes after `=` (`disable=A401,E203`), or drop `=` to silence every code",
        )
    unknown = [code for code in dict.fromkeys(directive.codes) if code not in known]
    for code in unknown[:MAX_UNKNOWN_PER_COMMENT]:
        yield Diagnostic(
            UNKNOWN_CODE,
            f"{code!r} is not the code or prefix of any rule, so it silences nothing",
            span,
            severity=UNKNOWN_SEVERITY,
            hint="`ecconf rules` lists the codes",
        )
    if len(unknown) > MAX_UNKNOWN_PER_COMMENT:
        yield Diagnostic(
            UNKNOWN_CODE,
            f"{len(unknown) - MAX_UNKNOWN_PER_COMMENT} more codes in this comment are not the code or prefix of"
            " any rule, so they silence nothing",
            span,
            severity=UNKNOWN_SEVERITY,
            hint="`ecconf rules` lists the codes",
        )


def collect(files: Iterable[tuple[File, str]], known_codes: Iterable[str]) -> Suppressions:
    """The suppressions written in these files (each given with its text), and the E001 problems among them."""
    known = frozenset(code.upper()[:n] for code in known_codes for n in range(len(code) + 1))  # ALL_CODES too
    out = Suppressions()
    for file, text in files:
        directives = [d for d in map(parse_directive, file.comments) if d is not None]
        if not directives:
            continue
        lines = text.split("\n")  # as the parser counts lines (splitlines also splits on \f, \x1c...)
        starts = [(s.span.line, _covered_lines(s)) for s in _statements(file.body)]
        starts.sort(key=lambda start: start[0])  # document order already; bisect relies on it
        start_lines = [line for line, _ in starts]
        per_line = out.by_line.setdefault(file.path, {})
        for directive in directives:
            out.problems.extend(_unknown(directive, known))
            codes = {code for code in directive.codes if code in known}  # the others silence nothing
            if directive.kind == "disable-file":
                out.by_file.setdefault(file.path, set()).update(codes)
                out.written.append((directive, file.path, None, frozenset(codes)))
                continue
            span = directive.comment.span
            covered = range(span.line, span.line + 1)
            if not _is_trailing(directive.comment, lines):
                covered = _next_statement_lines(span, starts, start_lines)
            for line in covered:
                per_line.setdefault(line, set()).update(codes)
            out.written.append((directive, file.path, covered, frozenset(codes)))
    return out
