"""Which file of the project includes a file that is linted alone: the context a fragment is checked in.

Rule of this room: paths and include edges only; what an include means is the compiler's (includes.py), the
tokens are the grammar's (include_scan.py), and whether a candidate really includes the fragment is decided
by loading it properly (pipeline.py). pre-commit hands over only the files that changed, so an include-only
fragment (`Listen ":25" { ... }` statements that one file includes inside `ESMTP_Listener { }`) comes alone
and, checked alone, would get false findings (E202). For such a file the project is searched for a file that
includes it, at any depth, and the file at the top of that chain is the context.

The project is, for each fragment, the first of: the folder of the settings file of the run (when the
fragment is below it), the git work tree holding it, else the files (not the subfolders) of the fragment's
folder and of PARENT_LEVELS folder above it (never the file system's root nor the home folder). It is walked
like a directory argument (discover.walk: the same patterns and excludes), entering at most
MAX_SCANNED_FOLDERS folders and reading at most MAX_SCANNED_FILES files (a note says when the search stopped
there): the search costs one read and one token scan of each config file, no parse.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .compiler.includes import read_text, target_paths
from .compiler.transform import unescape
from .discover import Budget, walk
from .grammar.include_scan import include_values

PARENT_LEVELS = 1
MAX_SCANNED_FOLDERS = 5_000
MAX_SCANNED_FILES = 5_000
MAX_CANDIDATES = 5  # files loaded in full to confirm an include the scan saw (a scan may see a few too many)


@dataclass
class _Index:
    order: dict[str, int] = field(default_factory=dict)  # real path -> place in the walk
    names: dict[str, str] = field(default_factory=dict)  # real path -> the path the walk found it by
    includers: dict[str, set[str]] = field(default_factory=dict)  # real path -> real paths that include it
    full: bool = False  # stopped at MAX_SCANNED_FOLDERS or MAX_SCANNED_FILES


@dataclass(frozen=True)
class Project:
    """Where to look: whole trees (a settings folder, a work tree), or only the files of a few folders."""

    folders: tuple[Path, ...]
    recursive: bool


def project_of(path: str, settings_folder: str | None) -> Project | None:
    """Where to search for files that include `path`; None where there is nowhere to search."""
    here = Path(os.path.abspath(path)).parent
    if settings_folder is not None:
        chosen = Path(os.path.abspath(settings_folder))
        if here.is_relative_to(chosen):
            return Project((chosen,), True)
    for folder in (here, *here.parents):
        if (folder / ".git").exists():  # a folder, or a file in a linked work tree or a submodule
            return Project((folder,), True)
    # Nothing says where the project ends: a fragment in /tmp must not walk all of /tmp. The files of its
    # own folder and of the one above (/etc/ecelerity/conf.d/x.conf: /etc/ecelerity/ecelerity.conf), no deeper.
    never = {Path(here.anchor), Path.home()}
    folders = [here] if here not in never else []
    for folder in here.parents[:PARENT_LEVELS]:
        if folder in never:
            break
        folders.append(folder)
    return Project(tuple(folders), False) if folders else None


def _index(project: Project, exclude: Sequence[str]) -> _Index:
    index = _Index()
    budget = Budget(MAX_SCANNED_FOLDERS)
    found = (p for f in project.folders for p in walk(str(f), exclude, budget if project.recursive else Budget(1)))
    for path in found:
        if len(index.order) == MAX_SCANNED_FILES:
            index.full = True
            break
        real = os.path.realpath(path)
        index.order.setdefault(real, len(index.order))
        index.names.setdefault(real, path)
        if path.lower().endswith(".json"):
            continue  # the JSON form includes nothing
        text, _problem = read_text(path)
        if text is None:
            continue
        here = Path(path).parent
        for kind, value in include_values(text):
            written = unescape(value) if kind == "STRING" else value
            try:
                targets = target_paths(written, here) if written.strip() else None
            except OSError:
                continue
            for target in targets or ():
                index.includers.setdefault(os.path.realpath(target), set()).add(real)
    index.full = index.full or budget.exhausted
    return index


class Includers:
    """The files that may give each fragment its context, searched once per project root for a run."""

    def __init__(self, settings_folder: str | None, exclude: Sequence[str], walked: Sequence[str] = ()) -> None:
        """`walked`: the directories the run itself walks; a project inside them holds no file the run has
        not seen already, and is not searched again."""
        self._settings_folder = settings_folder
        self._exclude = exclude
        self._walked = [Path(os.path.abspath(folder)) for folder in walked]
        self._indexes: dict[Project, _Index] = {}
        self.notes: list[str] = []  # what the search wants said (a project too large to search whole)

    def candidates(self, path: str, below: Collection[str] = ()) -> list[str]:
        """Files to check `path` as part of, best first: the tops of the include chains that lead to it (files
        nothing includes), then the files that include it directly; [] when nothing in the project does.
        `below`: the real paths `path` itself includes, at any depth; none of them is its context (a ring of
        includes, `a` -> `b` -> `a`, has `a` as its entry when `a` is what was asked for)."""
        project = project_of(path, self._settings_folder)
        if project is None or all(any(f.is_relative_to(w) for w in self._walked) for f in project.folders):
            return []
        index = self._indexes.get(project)
        if index is None:
            index = self._indexes[project] = _index(project, self._exclude)
            if index.full:
                self.notes.append(
                    f"note: looked for files that include others in part of {project.folders[0]} only (the first"
                    f" {MAX_SCANNED_FOLDERS} folders, {MAX_SCANNED_FILES} config files)"
                )
        real = os.path.realpath(path)
        ours = {real, *below}
        direct = index.includers.get(real, set()) - ours
        seen: set[str] = set()
        pending = list(direct)
        while pending:  # every file above it, at any depth
            current = pending.pop()
            if current in seen or current in ours:
                continue
            seen.add(current)
            pending.extend(index.includers.get(current, ()))
        tops = [p for p in seen if not index.includers.get(p, set()) - {p} - ours]
        ranked = sorted(tops, key=index.order.__getitem__) + sorted(direct, key=index.order.__getitem__)
        return [_shown(index.names[p]) for p in dict.fromkeys(ranked)][:MAX_CANDIDATES]


def _shown(path: str) -> str:
    """A path below the working directory as a relative one, as the files of the run are named."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative
