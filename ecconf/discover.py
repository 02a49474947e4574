"""Which files a lint run covers: directories walked for configs, and which files are entry points.

Rule of this room: paths in, paths out; no parsing here (the include graph comes in as each root's set of
included files, from the loader). A directory is walked recursively, in sorted order so that runs are
repeatable, for files matching CONFIG_PATTERNS; names matching an exclude pattern are pruned (directories are
not entered). A file named on the command line is always taken, excluded or not, as ruff does.

An entry point is a file that no other file of the run includes: a file that another one includes is checked
once, as part of it, where its includes and scopes have their context (an include-only fragment linted alone
would get false findings). Files that include each other in a ring with no outside entry are taken in the
order given, the first of each ring as its entry point.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

# What a config file is called: Momentum's own `ecelerity.conf` and the files it includes, and ecconf's JSON
# form (a bare `.json` is too common a name to claim when walking a directory; named directly, it is linted).
CONFIG_PATTERNS: tuple[str, ...] = ("*.conf", "*.ecconf.json")

# Folders no config lives in: version control, virtual environments and caches.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "build",
    "dist",
)


@dataclass
class Expansion:
    files: list[str] = field(default_factory=list)  # in the order given, each directory's files sorted
    empty: list[str] = field(default_factory=list)  # directories that held no config file
    walked: bool = False  # whether any argument was a directory


def _excluded(path: str, relative: str, name: str, patterns: Sequence[str]) -> bool:
    """A pattern matches the name alone (`build`), the path below the walked directory (`legacy/*.conf`), or,
    written absolute (as settings files anchor theirs), the absolute path."""
    for p in patterns:
        target = os.path.abspath(path) if os.path.isabs(p) else relative if "/" in p else name
        if fnmatch.fnmatchcase(target, p):
            return True
    return False


@dataclass
class Budget:
    """How many more folders a bounded walk may enter; `exhausted` once it stopped for want of more."""

    folders: int
    exhausted: bool = False


def walk(top: str, exclude: Sequence[str], budget: Budget | None = None) -> Iterator[str]:
    """The config files below `top`, sorted folder by folder, excluded names pruned; lazily, so that a
    bounded search stops reading the disk at its bound."""
    for folder, dirs, files in os.walk(top):  # symlinked folders are not followed: no loops
        if budget is not None:
            if budget.folders <= 0:
                budget.exhausted = True
                return
            budget.folders -= 1
        below = os.path.relpath(folder, top)
        below = "" if below == "." else below + "/"
        dirs[:] = sorted(d for d in dirs if not _excluded(os.path.join(folder, d), below + d, d, exclude))
        for name in sorted(files):
            path = os.path.join(folder, name)
            if any(fnmatch.fnmatchcase(name, p) for p in CONFIG_PATTERNS) and not _excluded(
                path, below + name, name, exclude
            ):
                yield path


def patterns_of(exclude: Sequence[str] | None, extend_exclude: Sequence[str]) -> tuple[str, ...]:
    """The exclude patterns in force: `exclude` in place of DEFAULT_EXCLUDE, `extend_exclude` besides."""
    return (*(DEFAULT_EXCLUDE if exclude is None else exclude), *extend_exclude)


def expand(paths: Iterable[str], exclude: Sequence[str] | None = None, extend_exclude: Sequence[str] = ()) -> Expansion:
    """The files to lint: directories walked, everything else (`-`, a file, a missing path) kept as given so
    that the reader reports what is wrong with it. `exclude` replaces DEFAULT_EXCLUDE; `extend_exclude` adds."""
    patterns = patterns_of(exclude, extend_exclude)
    out = Expansion()
    for path in paths:
        if path != "-" and os.path.isdir(path):
            out.walked = True
            found = list(walk(path, patterns))
            out.files.extend(found)
            if not found:
                out.empty.append(path)
        else:
            out.files.append(path)
    out.files = list(dict.fromkeys(out.files))
    return out


def entry_points(roots: Sequence[str], includes: Mapping[str, Iterable[str]]) -> tuple[list[str], dict[str, str]]:
    """(the entry points in the given order, {included file: the entry point it is checked under}).

    `includes` maps a root to every file loading it read below it (any depth). Paths are compared by their
    real path, so `conf/a.conf` and `./conf/a.conf` are one file."""
    roots = list(dict.fromkeys(roots))
    real = {root: os.path.realpath(root) for root in roots}
    by_real = {r: root for root, r in reversed(list(real.items()))}  # the first spelling of each file wins
    below = {root: {os.path.realpath(p) for p in includes.get(root, ())} - {real[root]} for root in roots}
    included_somewhere = set().union(*below.values()) if below else set()
    points: list[str] = []
    covered: dict[str, str] = {}
    for root in roots:
        if by_real[real[root]] != root or real[root] in covered:
            continue
        if real[root] in included_somewhere and not _in_ring_without_entry(root, roots, real, below):
            continue
        points.append(root)
        for r in below[root]:
            covered.setdefault(r, root)
    folded = {by_real[r]: root for r, root in covered.items() if r in by_real and by_real[r] not in points}
    return points, folded


def _in_ring_without_entry(
    root: str, roots: Sequence[str], real: Mapping[str, str], below: Mapping[str, set[str]]
) -> bool:
    """Whether every file that includes `root` is itself included back by `root`: a ring with no way in from
    outside, whose first file must then be checked as its entry point."""
    parents = [other for other in roots if other != root and real[root] in below[other]]
    return all(real[p] in below[root] for p in parents)
