"""Test helpers: a tree of config files in a temp dir, and `ecconf lint` run on it as a real process.

Rule of this room: helpers only, no tests; shared by the directory-walking and includer-search tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def write_tree(root: Path, files: dict[str, str]) -> None:
    """Each relative name of `files` written under `root` with its text (folders made as needed)."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run_lint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`ecconf lint ARGS` in a fresh interpreter started in `cwd`."""
    return subprocess.run(
        [sys.executable, "-m", "ecconf", "lint", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )
