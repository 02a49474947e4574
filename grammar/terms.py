"""What the code knows about the grammar beyond the grammar file: where the file is, which terminals are
comments, which brackets open and close, and how deep they may nest.

Rule of this room: names of terminals appear here (and in syntax_errors.py's messages) and nowhere else in
the parsing code.
"""

from __future__ import annotations

from importlib import resources

from .fusion import Fusion
from .table_parser import Limits

GRAMMAR_FILE = "momentum.lark"
COMMENT_TERMINALS = ("LINE_COMMENT", "BLOCK_COMMENT")
OPENERS = ("LBRACE", "LPAR", "LSQB")
CLOSERS = ("RBRACE", "RPAR", "RSQB")
# Scopes, arrays and dictionaries (and, counted by the include loader, includes) may nest this deep. Real
# configs nest a handful of levels; the bound keeps every recursive walker far from Python's recursion limit.
MAX_DEPTH = 32
LIMITS = Limits(frozenset(OPENERS), frozenset(CLOSERS), MAX_DEPTH)


# The statement the fast driver reads in one step where it fits on one line (grammar/fusion.py): an option
# or a dictionary entry with a plain value, `Name = "value"`, the bulk of every config.
FUSION = Fusion("WORD", "EQUALS", ("STRING", "WORD"))


def grammar_text() -> str:
    return resources.files(__package__).joinpath(GRAMMAR_FILE).read_text(encoding="utf-8")


# The keyword that starts an include, and the terminals its value may be (a container is not a file name).
INCLUDE_TERMINAL = "INCLUDE"
SCALAR_TERMINALS = ("STRING", "WORD")
