"""ecconf.grammar: the Momentum configuration language as a Lark grammar, and the parser that runs it.

Importing this package does not import lark: a valid config parses on tables kept between runs, and lark is
loaded only to compute them or to explain a syntax error (`get_lark` and `explain` load it on first use).
"""

from __future__ import annotations

from typing import Any

from .errors import GrammarError, NestingTooDeep, Opened
from .parser import ParseOutput, Parser, get_compiled
from .reducers import Builders
from .table_parser import Tok
from .terms import LIMITS, MAX_DEPTH, grammar_text

__all__ = [
    "LIMITS",
    "MAX_DEPTH",
    "Builders",
    "GrammarError",
    "NestingTooDeep",
    "Opened",
    "ParseOutput",
    "Parser",
    "Tok",
    "explain",
    "get_compiled",
    "get_lark",
    "grammar_text",
]


def __getattr__(name: str) -> Any:
    if name == "get_lark":
        from .lark_parser import get_lark

        return get_lark
    if name == "explain":
        from .syntax_errors import explain

        return explain
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
