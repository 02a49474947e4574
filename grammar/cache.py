"""Where the grammar's tables are kept between runs, so a short `ecconf lint` neither rebuilds them nor loads
lark to do it.

Rule of this room: a cache is only a cache. It lives in a folder of the user's own (`$ECCONF_CACHE_DIR`, else
`$XDG_CACHE_HOME/ecconf`, else `~/.cache/ecconf`), made private (0700) and used only while it is owned by this
user and writable by nobody else: the tables decide what the parser accepts. The file is JSON (never a
pickle), written to a temporary name and renamed, so a reader sees the old file or the new one, whole. Its
name carries a digest of the grammar text and the tables' format, so a changed grammar never reads stale
tables. Anything unusual — no home, a read-only disk, a stranger's folder, a damaged file — means no cache,
never an error; `ECCONF_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path

from .compiled import FORMAT, CompiledGrammar, from_json, to_json


def cache_dir() -> Path | None:
    if os.environ.get("ECCONF_NO_CACHE"):
        return None
    chosen = os.environ.get("ECCONF_CACHE_DIR")
    if chosen:
        return Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "ecconf"
    try:
        return Path.home() / ".cache" / "ecconf"
    except RuntimeError:  # no home directory to be found
        return None


def _private(folder: Path) -> bool:
    """Our own folder, that nobody else can write into (symlinks are not followed)."""
    info = folder.lstat()
    owner = os.getuid() if hasattr(os, "getuid") else info.st_uid
    return stat.S_ISDIR(info.st_mode) and info.st_uid == owner and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def cache_file(grammar: str) -> Path | None:
    """The file to keep this grammar's tables in, or None when no safe place exists."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):
            return None
    except OSError:
        return None
    digest = hashlib.sha256(f"{FORMAT}\0{grammar}".encode()).hexdigest()[:24]
    return folder / f"momentum-{digest}.json"


def load_compiled(grammar: str) -> CompiledGrammar | None:
    where = cache_file(grammar)
    if where is None:
        return None
    try:
        return from_json(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing or damaged: the caller computes the tables again and saves them


def save_compiled(grammar: str, compiled: CompiledGrammar) -> None:
    where = cache_file(grammar)
    if where is None:
        return
    try:
        handle, temporary = tempfile.mkstemp(prefix=".tables-", dir=where.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(to_json(compiled))
            os.replace(temporary, where)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass  # no room or no right to write: the next run computes the tables again
