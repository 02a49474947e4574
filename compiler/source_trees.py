"""Each file of a config as its own lossless syntax tree (grammar/cst.py): what fmt and the fixes edit.

Rule of this room: the files are read where every file is read (includes.py: read_text), and a file that
does not parse has no tree but the diagnostic lint shows for it. Linting never loads this.
"""

from __future__ import annotations

from ..grammar import GrammarError, NestingTooDeep
from ..grammar.cst import Tree, parse_tree
from .diagnostics import Diagnostic
from .includes import SYNTAX, Loaded, parse_source, read_text
from .span import whole_file


def tree_of(text: str, path: str) -> tuple[Tree | None, Diagnostic | None]:
    """One file's lossless syntax tree (grammar/cst.py), or its syntax error as parse_source tells it."""
    try:
        return parse_tree(text, path), None
    except (GrammarError, NestingTooDeep, RecursionError):
        _nodes, problem = parse_source(text, path)  # the error path only: the same diagnostic lint shows
        return None, problem or Diagnostic(SYNTAX, "the file cannot be parsed", whole_file(path))


def read_tree(path: str) -> tuple[Tree | None, str | None, Diagnostic | None]:
    """(the lossless tree of one file, its text, why not): the file alone, its includes not followed."""
    text, problem = read_text(path)
    if text is None:
        return None, None, problem
    tree, problem = tree_of(text, path)
    return tree, text, problem


def trees(loaded: Loaded) -> dict[str, Tree]:
    """Every file a config read, each as its own lossless tree (a file that did not parse has none)."""
    return {path: t for path, text in loaded.texts.items() if (t := tree_of(text, path)[0]) is not None}
