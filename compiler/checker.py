"""Run the rules over a loaded configuration and return sorted diagnostics.

Rule of this room: the checker owns severity (rules never set it) and selection: which rules run, which
findings are silenced (in-file suppression comments, compiler/suppress.py) and whether the result fails
(`strict`: warnings fail too). It never prints.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from . import rules
from .build import Built, build
from .context import CheckContext
from .diagnostics import Diagnostic, Severity, sort_unique
from .gc_pause import gc_paused
from .includes import Loaded
from .option_table import table
from .suppress import UNKNOWN_CODE, UNKNOWN_SEVERITY, UNUSED_CODE, UNUSED_SEVERITY, collect

# A code prefix as --select/--ignore/--severity take it: a letter, then up to three digits.
_PREFIX = re.compile(r"^[A-Z]\d{0,3}$")
_LEVELS = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO, "note": Severity.INFO}


@dataclass(frozen=True)
class CheckOptions:
    select: tuple[str, ...] = ()  # code prefixes to run; empty = all
    ignore: tuple[str, ...] = ()  # code prefixes to skip
    check_files: bool = True
    severity: tuple[tuple[str, Severity], ...] = ()  # (code prefix, level); the longest matching prefix wins
    strict: bool = False  # warnings fail the check too
    # (glob, code prefixes): findings in matching files are dropped. A glob with a `/` is matched against the
    # absolute path, one without against the file name alone.
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()


def _enabled(code: str, options: CheckOptions) -> bool:
    if options.select and not any(code.startswith(p.upper()) for p in options.select):
        return False
    return not any(code.startswith(p.upper()) for p in options.ignore)


def _severity(code: str, default: Severity, options: CheckOptions) -> Severity:
    matching = [(len(prefix), level) for prefix, level in options.severity if code.startswith(prefix.upper())]
    return max(matching, key=lambda item: item[0])[1] if matching else default


def known_codes() -> tuple[str, ...]:
    """Every code the checker can report: the registered rules and its own E001."""
    return (*(rule.CODE for rule in rules.ALL), UNKNOWN_CODE, UNUSED_CODE)


def parse_known_prefix(text: str) -> str:
    """parse_prefix, and the prefix must select at least one code: a typo (`--select Z9`) would otherwise turn
    the linter off without a word. ValueError with the closest codes as a did-you-mean."""
    prefix = parse_prefix(text)
    codes = known_codes()
    if any(code.startswith(prefix) for code in codes):
        return prefix
    close = difflib.get_close_matches(prefix, codes, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else "; `ecconf rules` lists them"
    raise ValueError(f"{text.strip()!r} matches no rule code{hint}")


def parse_prefix(text: str) -> str:
    """A code prefix as a user wrote it, upper-cased; ValueError if it cannot be one."""
    prefix = text.strip().upper()
    if not _PREFIX.match(prefix):
        raise ValueError(f"{text!r} is not a rule code or prefix (a letter and up to three digits, like E2 or A401)")
    return prefix


def parse_severity(text: str) -> tuple[str, Severity]:
    """`CODE=LEVEL` (prefixes allowed, levels error/warning/info) -> (prefix, Severity); ValueError if malformed."""
    code, sep, level = text.partition("=")
    if not sep or level.strip().lower() not in _LEVELS:
        raise ValueError(f"{text!r} is not CODE=LEVEL with LEVEL one of error, warning, info")
    return parse_prefix(code), _LEVELS[level.strip().lower()]


def failed(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    """Whether these findings fail a lint: any error, or under strict any warning too."""
    threshold = Severity.WARNING if strict else Severity.ERROR
    return any(d.severity >= threshold for d in diagnostics)


def check(loaded: Loaded, options: CheckOptions | None = None) -> tuple[Built, list[Diagnostic]]:
    with gc_paused():
        return _check(loaded, options or CheckOptions())


def _check(loaded: Loaded, options: CheckOptions) -> tuple[Built, list[Diagnostic]]:
    built = build(loaded.root)
    ctx = CheckContext(built.config, built.facts, loaded, table(), list(loaded.problems), options.check_files)
    found: list[Diagnostic] = []
    for rule in rules.ALL:
        if not _enabled(rule.CODE, options):
            continue
        code, severity = rule.CODE, _severity(rule.CODE, rule.DEFAULT_SEVERITY, options)
        # The stamped copy made directly: dataclasses.replace looks the fields up again for every finding.
        found.extend(
            d
            if d.code == code and d.severity is severity
            else Diagnostic(code, d.message, d.span, severity, d.hint, d.related, d.quote)
            for d in rule.check(ctx)
        )
    texts = ((file, loaded.texts.get(path, "")) for path, file in loaded.files.items())
    suppressions = collect(texts, known_codes())
    if _enabled(UNKNOWN_CODE, options):
        severity = _severity(UNKNOWN_CODE, UNKNOWN_SEVERITY, options)
        found.extend(replace(problem, severity=severity) for problem in suppressions.problems)
    kept: Iterable[Diagnostic] = [d for d in found if not suppressions.silences(d)]
    if _enabled(UNUSED_CODE, options):
        silenced = [d for d in found if suppressions.silences(d)]
        # A rule that reads the machine's files (modes, certificates) may rightly find nothing here and
        # something where the config is deployed: its suppressions are never judged.
        ran = [r.CODE for r in rules.ALL if _enabled(r.CODE, options) and not getattr(r, "READS_FILES", False)]
        ran.append(UNKNOWN_CODE)
        severity = _severity(UNUSED_CODE, UNUSED_SEVERITY, options)
        unused = suppressions.unused(silenced, lambda prefix: any(code.startswith(prefix) for code in ran))
        kept = [*kept, *(replace(d, severity=severity) for d in unused if not suppressions.silences(d))]
    if options.per_file_ignores:
        kept = (d for d in kept if not _ignored_in_file(d, options.per_file_ignores))
    return built, sort_unique(kept)


def _ignored_in_file(d: Diagnostic, table: tuple[tuple[str, tuple[str, ...]], ...]) -> bool:
    path = d.span.path
    for pattern, prefixes in table:
        target = os.path.abspath(path) if "/" in pattern else os.path.basename(path)
        if fnmatch.fnmatchcase(target, pattern) and any(d.code.startswith(p) for p in prefixes):
            return True
    return False
