"""ecconf.grammar: the Momentum configuration language as a Lark grammar (imports lark only)."""

from .parser import MAX_DEPTH, NestingTooDeep, ParseOutput, get_parser, grammar_text, parse
from .syntax_errors import GrammarError, Opened, explain

__all__ = [
    "MAX_DEPTH",
    "GrammarError",
    "NestingTooDeep",
    "Opened",
    "ParseOutput",
    "explain",
    "get_parser",
    "grammar_text",
    "parse",
]
