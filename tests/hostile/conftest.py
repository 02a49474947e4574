"""Fixtures for the hostile-input tests: run the command line, in this process or in a child.

`ecconf` runs `ecconf.cli.main` in this process (fast); `ecconf_subprocess` runs `python -m ecconf` with a
hard timeout, for inputs that could make a broken build wait forever (devices, FIFOs, standard input).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_cli import SUBPROCESS_TIMEOUT, Run

from ecconf import cli


@pytest.fixture
def ecconf(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run the command line in this process; returns what it printed and its exit status."""

    def run(*args: str) -> Run:
        status = cli.main(list(args))
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)

    return run


def _bounded_child() -> None:
    """In the child: at most 2 GiB of memory, so a build that reads /dev/zero to its end fails, alone."""
    limit = 2 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.fixture
def ecconf_subprocess() -> Callable[..., Run]:
    """Run `python -m ecconf ARGS` with a timeout; stdin is a path to read from, or nothing."""

    def run(*args: str, stdin: str | None = None, cwd: Path | None = None, timeout: float = SUBPROCESS_TIMEOUT) -> Run:
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "PYTHONSTARTUP")}
        handle = open(stdin, "rb") if stdin is not None else subprocess.DEVNULL  # closed below
        try:
            done = subprocess.run(
                [sys.executable, "-m", "ecconf", *args],
                stdin=handle,
                capture_output=True,
                text=True,
                errors="replace",
                cwd=cwd,
                env=env,
                timeout=timeout,
                preexec_fn=_bounded_child,
            )
        finally:
            if stdin is not None:
                handle.close()  # type: ignore[union-attr]
        return Run(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def fifo(tmp_path: Path) -> str:
    """A FIFO nobody writes to: opening it for reading would wait forever."""
    path = tmp_path / "pipe.conf"
    os.mkfifo(path)
    return str(path)
