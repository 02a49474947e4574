"""CPU per PLAIN session of this checkout against earlier commits of ecconf, served side by side.

Rule of this room: one comparison, measured two ways, nothing rendered here (report_session_cpu.py). Each
earlier commit is checked out in a temporary git worktree and installed, with uvloop when this checkout has
it, in a virtual environment of its own; each install writes its own config and password files with its own
bench/servers.py, as it was benchmarked then. Then:

- CPU time: every server runs at once, pinned to one core, idle but for the burst it is given; bursts of
  PLAIN sessions (uvloop, the load client on another core) go to each in turn, alternating the order, and
  each burst's CPU time (/proc: user + system, the loop's thread apart) is divided by its sessions. The
  figure compared is the median of the per-burst ratios: a neighbour's load that slows one burst slows its
  partner too.
- Instructions: where valgrind is installed, each server runs under callgrind with counting off; counting is
  switched on (callgrind_control) after a warm-up, and the count over N sessions, divided by N, is the
  user-space instructions per session. It does not move with the machine's load (about 0.5 % between
  runs), but leaves out the kernel: the sockets' and the file system's own work.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import servers

ROOT = Path(__file__).resolve().parent.parent
# (commit, what it was, whether "no worse than it" is a target). Issue 14 asks that the one session driver
# (f69d23b; this is its parent) cost no CPU per session; where issue 14 began is shown beside it, for what
# the features since (its own and other issues') cost, and is no target.
BASELINES = (("c41ec17", "before the one session driver", True), ("04b4297", "before issue 14", False))
HERE = "this checkout"


@dataclass
class Install:
    label: str  # HERE, or a commit
    about: str
    python: str
    source: Path  # its checkout: where its bench/servers.py is
    burst_cpu: list[float] = field(default_factory=list)  # us per session, each burst
    burst_loop: list[float] = field(default_factory=list)  # of which the loop's thread
    instructions: float | None = None  # user space, per session, under callgrind
    target: bool = True  # "no worse than this one" is a target of the report


def prepare(revision: str, about: str, target: bool, work: Path, log: Callable[[str], None]) -> Install:
    """A worktree of `revision` installed in a venv of its own (pip; uvloop if this checkout has it)."""
    tree, venv = work / f"tree-{revision}", work / f"venv-{revision}"
    _run(["git", "worktree", "add", "--detach", "--force", str(tree), revision], ROOT)
    log(f"session cpu: installing {revision} ({about})")
    _run([sys.executable, "-m", "venv", str(venv)], work)
    python = str(venv / "bin" / "python")
    extra = ["uvloop"] if _has("uvloop") else []
    _run([python, "-m", "pip", "install", "-q", "-e", str(tree), *extra], work)
    return Install(revision, about, python, tree, target=target)


def remove(install: Install) -> None:
    if install.label != HERE:
        subprocess.run(["git", "worktree", "remove", "--force", str(install.source)], cwd=ROOT, capture_output=True)


def here() -> Install:
    return Install(HERE, "", sys.executable, ROOT)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _run(argv: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    except OSError as exc:  # no git, no valgrind: said in the report, not a traceback
        raise RuntimeError(f"{argv[0]}: {exc.strerror}") from exc
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} ...: exit {done.returncode}\n{done.stderr[-2000:]}")
    return done.stdout


def write_config(install: Install, folder: Path) -> Path:
    """The install's own bench config and password files in `folder`, by its own bench/servers.py."""
    folder.mkdir(parents=True, exist_ok=True)
    code = (
        "import sys; from pathlib import Path; from bench import servers; f = Path(sys.argv[1]); "
        "servers.write_users(f); print(servers.ecconf_config(f, f / 'spool'))"
    )
    return Path(_run([install.python, "-c", code, str(folder)], install.source).strip())


def _serve_argv(install: Install, config: Path) -> list[str]:
    return servers.ecconf_argv(config, "uvloop" if _has("uvloop") else "asyncio", python=install.python)


def _load(port: int, sessions: int, cpu: str | None) -> int:
    argv = [sys.executable, "-m", "bench.smtp_load", "load", "--port", str(port), "--mech", "PLAIN"]
    argv += ["--concurrency", "50", "--sessions", str(sessions), "--time-limit", "600"]
    done = json.loads(_run([*servers.pin(cpu), *argv], ROOT))
    if done["errors"]:
        raise RuntimeError(f"{done['errors']} sessions failed: {done['error_samples']}")
    return int(done["sessions"])


def _loop_cpu(pid: int) -> float:
    """User + system seconds of the process's first thread, the one its event loop runs on."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_cpu(installs: list[Install], work: Path, bursts: int, per_burst: int, cpus: tuple[str, str]) -> None:
    """Alternating bursts of `per_burst` sessions to every install's server, all running at once."""
    running = []
    try:
        for n, install in enumerate(installs):
            config = write_config(install, work / f"cpu-{n}")
            running.append(servers.start(install.label, _serve_argv(install, config), cpus[0], cwd=config.parent))
        for r in running:
            _load(r.port, min(500, per_burst), cpus[1])  # warm: caches, the store, the spool's directories
        for b in range(bursts):
            order = list(zip(installs, running, strict=True))
            for install, r in order if b % 2 == 0 else order[::-1]:
                total, loop = r.cpu_seconds(), _loop_cpu(r.proc.pid)
                done = _load(r.port, per_burst, cpus[1])
                install.burst_cpu.append((r.cpu_seconds() - total) / done * 1e6)
                install.burst_loop.append((_loop_cpu(r.proc.pid) - loop) / done * 1e6)
    finally:
        for r in running:
            r.stop()


def count_instructions(install: Install, work: Path, sessions: int) -> None:
    """User-space instructions per session under callgrind (every thread), counted after a warm-up."""
    config = write_config(install, work / f"callgrind-{install.label.replace(' ', '-')}")
    out = config.parent / "callgrind.out"
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--separate-threads=yes"]
    argv = [*valgrind, f"--callgrind-out-file={out}", *_serve_argv(install, config)]
    served = servers.start(f"{install.label} under callgrind", argv, cwd=config.parent)
    try:
        _load(served.port, 100, None)
        _run(["callgrind_control", "--instr=on", str(served.proc.pid)], work)
        done = _load(served.port, sessions, None)
        _run(["callgrind_control", "--dump", str(served.proc.pid)], work)
    finally:
        served.stop(timeout=300)  # an interpreter under valgrind takes its time to exit
    # One file per thread per dump; the dump asked for is the one whose counts cover the load.
    dumps: dict[str, int] = {}
    for path in config.parent.glob("callgrind.out*"):
        totals = [int(line.split()[1]) for line in path.read_text().splitlines() if line.startswith("totals:")]
        part = re.search(r"\.(\d+)-\d+$", path.name)
        if totals and part:
            dumps[part.group(1)] = dumps.get(part.group(1), 0) + max(totals)
    install.instructions = max(dumps.values(), default=0) / done


def ratio(install: Install, base: Install) -> tuple[float, float, float]:
    """Median, first and third quartile of the per-burst CPU ratios install / base."""
    pairs = sorted(a / b for a, b in zip(install.burst_cpu, base.burst_cpu, strict=True))
    q = statistics.quantiles(pairs, n=4) if len(pairs) > 1 else [pairs[0]] * 3
    return statistics.median(pairs), q[0], q[2]


def measure(
    revisions: tuple[tuple[str, str, bool], ...],
    bursts: int,
    per_burst: int,
    callgrind_sessions: int,
    log: Callable[[str], None],
    cpus: tuple[str, str] = ("0", "1"),
) -> tuple[list[Install], list[str]]:
    """This checkout and each revision: their installs, measured; notes on what could not be measured."""
    notes: list[str] = []
    installs = [here()]
    # The servers' spools on tmpfs, as in the throughput runs: on a disk the group commit's syncs (and the
    # disk's mood) would be measured too. The installs stay on the disk.
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with (
        tempfile.TemporaryDirectory(prefix="ecconf-session-cpu-") as tmp,
        tempfile.TemporaryDirectory(prefix="ecconf-session-cpu-", dir=shm) as spools,
    ):
        work, served = Path(tmp), Path(spools)
        if shm is None:
            notes.append("no /dev/shm here: the spools are in the system temp directory, on its disk")
        try:
            for revision, about, target in revisions:
                try:
                    installs.append(prepare(revision, about, target, work, log))
                except RuntimeError as exc:
                    notes.append(f"{revision} not measured: {str(exc).splitlines()[0]}")
            log(f"session cpu: {bursts} bursts of {per_burst} sessions to each of {len(installs)} servers")
            measure_cpu(installs, served, bursts, per_burst, cpus)
            if callgrind_sessions <= 0:
                notes.append("instructions not counted (no sessions asked for under callgrind)")
            elif shutil.which("valgrind") and shutil.which("callgrind_control"):
                for install in installs:
                    log(f"session cpu: counting instructions of {install.label} under callgrind")
                    count_instructions(install, served, callgrind_sessions)
            else:
                notes.append("valgrind is not installed: no instruction counts")
        finally:
            for install in installs:
                remove(install)
    return installs, notes
