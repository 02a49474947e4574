"""Lint cost of small hostile inputs: each under 100 KB, each should lint in well under two seconds.

Rule of this room: one generator per input shape, each run as `python -m ecconf lint` (and `json` for JSON
inputs) in a fresh process, N times in alternation; medians and the peak memory of the worst run printed as a
Markdown table. A run that takes longer than --timeout is killed and reported as such. Standalone, not part
of RESULTS.md: `python -m bench.lint_cost [--rounds 3] [--timeout 120]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

Generator = Callable[[Path], Path]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def include_fan_out(here: Path) -> Path:
    """main includes mid 100 times, mid includes a 250-line leaf 100 times: 10 000 copies of the leaf."""
    _write(here / "mid.conf", 'include "leaf.conf"\n' * 100)
    _write(here / "leaf.conf", "# ecconf: disable-file=E2\n" + 'Hostname = "x"\n' * 250)
    return _write(here / "main.conf", 'include "mid.conf"\n' * 100)


def unknown_codes(here: Path) -> Path:
    """One suppression comment naming 12 000 codes no rule has."""
    codes = ",".join(f"X{i}" for i in range(12_000))
    return _write(here / "codes.conf", f'Hostname = "x"  # ecconf: disable={codes}\nHostname = "y"\n')


def own_line_comments(here: Path) -> Path:
    """2 600 suppression comments, each above the statement it silences."""
    return _write(here / "comments.conf", '# ecconf: disable=E203\nHostname = "x"\n' * 2_600)


def unknown_options(here: Path) -> Path:
    """6 500 made-up option names: a "did you mean" look-up each."""
    return _write(here / "options.conf", "".join(f"zz_opt{i} = 1\n" for i in range(6_500)))


def json_unknown_options(here: Path) -> Path:
    """A JSON config of 9 900 unknown options: each finding moved back to its place in the JSON."""
    document = {"options": {f"z{i}": 1 for i in range(9_900)}}
    return _write(here / "options.json", json.dumps(document, separators=(",", ":")))


def json_listens(here: Path) -> Path:
    """A JSON config of 1 650 Listens, each offering an extension ecconf does not know."""
    listens = [{"address": f"10.0.{i // 250}.{i % 250}:25", "smtp_extensions": ["FOO"]} for i in range(1_650)]
    return _write(here / "listens.json", json.dumps({"esmtp_listener": {"listens": listens}}))


INPUTS: dict[str, Generator] = {
    "include fan-out": include_fan_out,
    "12 000 unknown suppression codes": unknown_codes,
    "2 600 own-line suppressions": own_line_comments,
    "6 500 unknown option names": unknown_options,
    "JSON: 9 900 unknown options": json_unknown_options,
    "JSON: 1 650 Listens, unknown extension": json_listens,
}


def _run(command: str, path: Path, timeout: float) -> tuple[float | None, int]:
    """Seconds (None: killed at the timeout) and the child's own peak RSS in KiB."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "ecconf", command, "--no-file-checks", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killer = threading.Timer(timeout, child.kill)
    killer.start()
    try:
        _pid, status, usage = os.wait4(child.pid, 0)  # wait4: this child's rusage, not every child's
    finally:
        killer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    return (None if child.returncode < 0 else elapsed), usage.ru_maxrss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cases: list[tuple[str, str, Path, int]] = []
        for number, (label, generate) in enumerate(INPUTS.items()):
            here = Path(tmp) / str(number)
            here.mkdir()
            root = generate(here)
            size = sum(p.stat().st_size for p in here.iterdir())
            commands = ("lint", "json") if root.suffix == ".json" else ("lint",)
            cases += [(label, command, root, size) for command in commands]
        samples: dict[int, list[float | None]] = {i: [] for i in range(len(cases))}
        peaks: dict[int, int] = dict.fromkeys(range(len(cases)), 0)
        for _ in range(args.rounds):
            for i, (_label, command, root, _size) in enumerate(cases):
                seconds, peak = _run(command, root, args.timeout)
                samples[i].append(seconds)
                peaks[i] = max(peaks[i], peak)
        print("| input | command | bytes | median s | peak RSS MiB |")
        print("|---|---|---|---|---|")
        for i, (label, command, _root, size) in enumerate(cases):
            done = [s for s in samples[i] if s is not None]
            median = f"{statistics.median(done):.2f}" if len(done) == len(samples[i]) else f"> {args.timeout:.0f}"
            print(f"| {label} | `{command}` | {size:,} | {median} | {peaks[i] // 1024} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
