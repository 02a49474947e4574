"""ecconf: lint, convert and serve Momentum-style MTA configurations.

The public API. Attributes other than `__version__` load lazily (PEP 562) so that importing one sub-package,
say the runtime, does not pull in the compiler, lark and pydantic with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .compiler.checker import CheckOptions
    from .compiler.diagnostics import Diagnostic, Severity
    from .compiler.models import Config
    from .pipeline import LintReport

__all__ = ["CheckOptions", "Diagnostic", "LintReport", "Severity", "__version__", "lint", "lint_text", "load"]

_LAZY = {
    "CheckOptions": "ecconf.compiler.checker",
    "Diagnostic": "ecconf.compiler.diagnostics",
    "Severity": "ecconf.compiler.diagnostics",
    "LintReport": "ecconf.pipeline",
    "lint_text": "ecconf.pipeline",
}


def lint(
    paths: str | Iterable[str],
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    severity: dict[str, str] | None = None,
    strict: bool = False,
    check_files: bool = True,
) -> LintReport:
    """Lint config files (and their includes). `severity` maps code prefixes to error/warning/info.

    Raises ValueError for a malformed code prefix or level; unreadable files are in `report.input_errors`.
    """
    from .compiler.checker import CheckOptions, parse_prefix, parse_severity
    from .pipeline import lint_paths

    options = CheckOptions(
        select=tuple(parse_prefix(p) for p in select),
        ignore=tuple(parse_prefix(p) for p in ignore),
        check_files=check_files,
        severity=tuple(parse_severity(f"{code}={level}") for code, level in (severity or {}).items()),
        strict=strict,
    )
    return lint_paths([paths] if isinstance(paths, str) else paths, options)


def load(path: str) -> tuple[Config | None, list[Diagnostic]]:
    """The typed model of a config file and every finding about it (None if it cannot be read or parsed)."""
    from .pipeline import load_config

    return load_config(path)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ecconf' has no attribute {name!r}")
