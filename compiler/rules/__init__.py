"""The explicit registry of rules: every rule module is listed here, once.

tests/compiler/test_registry.py checks that every module in this folder is registered, that codes are
unique and well formed, and that each docstring carries a Bad and a Good example.
"""

from __future__ import annotations

from . import syntax_error
from .base import RuleModule

ALL: tuple[RuleModule, ...] = (syntax_error,)

RULES: dict[str, RuleModule] = {rule.CODE: rule for rule in ALL}


def get(code: str) -> RuleModule:
    return RULES[code.upper()]
