"""Test scaffolding shared by the rule tests: run one rule over a config text, read its doc examples."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from ecconf.compiler.build import build
from ecconf.compiler.context import CheckContext
from ecconf.compiler.diagnostics import Diagnostic
from ecconf.compiler.includes import load
from ecconf.compiler.option_table import table


def run_rule(rule: ModuleType, text: str, path: Path, *, check_files: bool = True) -> list[Diagnostic]:
    """This rule alone over `text`, written to `path` first so includes and relative paths resolve beside it."""
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    loaded = load(str(path))
    built = build(loaded.root)
    ctx = CheckContext(built.config, built.facts, loaded, table(), list(loaded.problems), check_files)
    return list(rule.check(ctx))


def doc_example(rule: ModuleType, label: str) -> str:
    found = re.search(rf"^{label}:\n(.*?)(?=^\S|\Z)", rule.__doc__ or "", re.S | re.M)
    assert found, f"{rule.CODE} has no {label} example"
    return found.group(1)


def bind(rule: ModuleType) -> tuple[Callable[..., list[Diagnostic]], Callable[[str], str]]:
    """(run, example) for one rule: run(text, path, check_files=True) and example("Bad" | "Good")."""

    def run(text: str, path: Path, *, check_files: bool = True) -> list[Diagnostic]:
        return run_rule(rule, text, path, check_files=check_files)

    def example(label: str) -> str:
        return doc_example(rule, label)

    return run, example


def places(diagnostics: list[Diagnostic]) -> list[tuple[int, int]]:
    return sorted((d.span.line, d.span.column) for d in diagnostics)
