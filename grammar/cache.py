"""Where the analysed grammar is kept between runs, so a short `ecconf lint` does not rebuild the LALR tables.

Rule of this room: a cache is only a cache. It lives in a folder of the user's own (`$ECCONF_CACHE_DIR`, else
`$XDG_CACHE_HOME/ecconf`, else `~/.cache/ecconf`), made private (0700) and used only while it is owned by this
user and writable by nobody else — Lark keeps the tables as a pickle, and loading a pickle someone else could
write would run their code. Anything unusual (no home, read-only disk, a stranger's folder) means no cache,
never an error; `ECCONF_NO_CACHE=1` turns it off. The file name carries a digest of the grammar, lark's
version and Python's, so an upgrade never reads stale tables (and Lark checks the digest inside again).
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path

import lark


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


def cache_file(grammar: str) -> str | None:
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
    key = f"{grammar}\0{lark.__version__}\0{sys.version_info[:2]}".encode()
    return str(folder / f"momentum-{hashlib.sha256(key).hexdigest()[:24]}.lark")
