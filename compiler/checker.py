"""Run the rules over a loaded configuration and return sorted diagnostics.

Rule of this room: the checker owns severity (rules never set it) and selection: which rules run, and
which findings are silenced. It never prints.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import rules
from .build import Built, build
from .context import CheckContext
from .diagnostics import Diagnostic, sort_unique
from .includes import Loaded
from .option_table import table


@dataclass(frozen=True)
class CheckOptions:
    select: tuple[str, ...] = ()  # code prefixes to run; empty = all
    ignore: tuple[str, ...] = ()  # code prefixes to skip
    check_files: bool = True


def _enabled(code: str, options: CheckOptions) -> bool:
    if options.select and not any(code.startswith(p.upper()) for p in options.select):
        return False
    return not any(code.startswith(p.upper()) for p in options.ignore)


def check(loaded: Loaded, options: CheckOptions | None = None) -> tuple[Built, list[Diagnostic]]:
    options = options or CheckOptions()
    built = build(loaded.root)
    ctx = CheckContext(built.config, built.facts, loaded, table(), list(loaded.problems), options.check_files)
    found: list[Diagnostic] = []
    for rule in rules.ALL:
        if not _enabled(rule.CODE, options):
            continue
        for diagnostic in rule.check(ctx):
            found.append(replace(diagnostic, code=rule.CODE, severity=rule.DEFAULT_SEVERITY))
    return built, sort_unique(found)
