"""ecconf.grammar: the Momentum configuration language as a Lark grammar (imports lark only)."""

from .parser import LIMITS, MAX_DEPTH, NestingTooDeep, ParseOutput, Parser, get_lark, grammar_text
from .syntax_errors import GrammarError, Opened, explain
from .table_parser import Tok

__all__ = [
    "LIMITS",
    "MAX_DEPTH",
    "GrammarError",
    "NestingTooDeep",
    "Opened",
    "ParseOutput",
    "Parser",
    "Tok",
    "explain",
    "get_lark",
    "grammar_text",
]
