"""Start-up time of the `ecconf lint` command on a small file, against `python -c pass` and crossplane's CLI;
and the whole process as CI runs it on a big config, against a process running crossplane on its twin.

Rule of this room: each command is a fresh process, run in alternation, median of N; a command that does
not work yet (exit status other than 0/1, or a traceback) is reported as not available with the reason.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Startup:
    label: str
    command: list[str]
    samples: list[float] = field(default_factory=list)
    unavailable: str | None = None  # why the command could not be measured

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples and self.unavailable is None else None


def ecconf_command() -> list[str]:
    """The installed console script if there is one, else the module."""
    script = shutil.which("ecconf")
    return [script] if script else [sys.executable, "-m", "ecconf"]


def _run(command: list[str]) -> tuple[float, str | None]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return elapsed, f"exit status {done.returncode}: {last[:160]}"
    return elapsed, None


# The labels of the big-config commands, before "(N Listens)".
WHOLE_LINT = "whole process: ecconf lint --no-file-checks"
WHOLE_CROSSPLANE = "whole process: python -c crossplane.parse"


def measure_startup(
    small_conf: Path, small_nginx: Path, runs: int, big: tuple[int, Path, Path] | None = None
) -> list[Startup]:
    """`runs` alternating samples of: the bare interpreter, ecconf lint, crossplane parse; with `big`
    (Listens, config, nginx twin) also `ecconf lint --no-file-checks` of it and a `python -c` that runs
    `crossplane.parse` on its twin, as a CI job would run each."""
    contenders = [
        Startup("python -c pass", [sys.executable, "-c", "pass"]),
        Startup("ecconf lint (small file)", [*ecconf_command(), "lint", str(small_conf)]),
    ]
    crossplane = shutil.which("crossplane")
    if crossplane:
        contenders.append(Startup("crossplane parse (small file)", [crossplane, "parse", str(small_nginx)]))
    if big is not None:
        listens, conf, nginx = big
        contenders += [
            Startup(
                f"{WHOLE_LINT} ({listens} Listens)",
                [*ecconf_command(), "lint", "--no-file-checks", str(conf)],
            ),
            Startup(
                f"{WHOLE_CROSSPLANE} ({listens} Listens)",
                [sys.executable, "-c", "import sys, crossplane; crossplane.parse(sys.argv[1])", str(nginx)],
            ),
        ]
    for _ in range(runs):
        for item in contenders:
            if item.unavailable is not None:
                continue
            elapsed, problem = _run(item.command)
            if problem is not None:
                item.unavailable = problem
            else:
                item.samples.append(elapsed)
    return contenders
