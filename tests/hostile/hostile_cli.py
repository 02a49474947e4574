"""What the hostile-input tests share: a run of the command line, and the verdict on it.

The verdict is the same for every hostile input: exit status 1 or 2, no traceback, no "internal error",
output that does not grow with the input, and a diagnostic that names the file with a line and a column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Every test here is bounded; a run that takes longer than this has hung.
SUBPROCESS_TIMEOUT = 20.0
# Output that grows with the input (a 10 MB line quoted whole) is a bug of its own.
MAX_OUTPUT = 64 * 1024


@dataclass(frozen=True)
class Run:
    status: int
    out: str
    err: str

    @property
    def both(self) -> str:
        return self.out + self.err

    def positions(self, path: str) -> list[tuple[int, int]]:
        """(line, column) of every diagnostic about `path`, from either stream."""
        pattern = re.compile(rf"^(?:ecconf: )?{re.escape(path)}:(\d+):(\d+): ", re.MULTILINE)
        return [(int(m.group(1)), int(m.group(2))) for m in pattern.finditer(self.both)]


def assert_refused(run: Run, path: str, *, statuses: tuple[int, ...] = (1, 2)) -> list[tuple[int, int]]:
    """The run failed cleanly and said where: a positioned diagnostic on `path`, no traceback. Returns the
    positions found."""
    assert run.status in statuses, run.both[:2000]
    assert "Traceback" not in run.both, run.both[:4000]
    assert "internal error" not in run.both, run.both[:2000]
    assert len(run.both) < MAX_OUTPUT, f"{len(run.both)} characters of output"
    found = run.positions(path)
    assert found, f"no positioned diagnostic on {path}:\n{run.both[:2000]}"
    return found


def write_input(tmp_path: Path, name: str, text: str | bytes) -> str:
    """Write a hostile input (text or raw bytes) to a file and return its path."""
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


# What the `ecconf` fixture is: run one ecconf command on a path, with a timeout, and return the Run.
Ecconf = Callable[..., Run]
DEEP = 10_000
COMMANDS = ("lint", "json")
