"""The one command: generate the inputs, run every benchmark, write bench/RESULTS.md.

Rule of this room: orchestration only (what runs, in which order, where the report goes).

    python -m bench                                   # sizes 100, 1000, 10000 -> bench/RESULTS.md
    python -m bench --sizes 100 1000 --rounds 5       # skip the big one
    python -m bench --quick --out /tmp/RESULTS.md     # seconds; for the smoke test
    python -m bench server                            # the server benchmarks (bench/bench_server.py)

Each command rewrites its own part of RESULTS.md and keeps the other's.

Needs `pip install -r bench/requirements.txt` (crossplane) next to ecconf itself.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .bench_compiler import CONTENDERS, Timing, measure_memory, measure_times, skipped
from .bench_startup import measure_startup
from .generate import generate
from .report import Results, render
from .report_server import server_section

DEFAULT_OUT = Path(__file__).parent / "RESULTS.md"
QUICK_SIZES = (10, 30)
BIG = 10_000  # from this size on, fewer rounds: one round of all contenders takes about a minute


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="ecconf's benchmark suite")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10_000], help="Listen scopes per config")
    parser.add_argument("--rounds", type=int, default=5, help="timed samples per contender (default 5)")
    parser.add_argument("--big-rounds", type=int, default=3, help=f"samples for sizes >= {BIG} (default 3)")
    parser.add_argument("--startup-runs", type=int, default=15, help="processes per start-up command")
    parser.add_argument(
        "--budget", type=float, default=120, help="skip a contender whose sample would exceed this many seconds"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the per-process memory measurements")
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}, one round, one start-up run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the Markdown report")
    parser.add_argument("--work-dir", type=Path, help="keep the generated configs here (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.rounds, args.startup_runs = list(QUICK_SIZES), 1, 1
    return args


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _over_budget(previous: list[Timing], listens: int, budget: float) -> dict[str, str]:
    """Contenders whose next sample would take longer than the budget, even if they scaled linearly."""
    out: dict[str, str] = {}
    for t in previous:
        if t.skipped is not None:
            out[t.contender] = t.skipped
            continue
        estimate = t.median * listens / t.listens
        if estimate > budget:
            out[t.contender] = (
                f"skipped: {t.median:.1f} s at {t.listens} Listens, so at least {estimate:.1f} s a sample "
                f"(budget {budget:.0f} s)"
            )
    return out


WHOLE_PROCESS_LISTENS = 1000  # issue 15's whole-process comparison: the size CI jobs are measured at


def run(args: argparse.Namespace, work: Path, command: str) -> Results:
    results = Results(command, [], [], [], [], {}, commit=_commit())
    previous: list[Timing] = []
    for listens in args.sizes:
        started = time.perf_counter()
        corpus = generate(work / f"listens-{listens}", listens, args.seed)
        results.corpora.append(corpus)
        rounds = args.big_rounds if listens >= BIG else args.rounds
        results.rounds[listens] = rounds
        skip = _over_budget(previous, listens, args.budget)
        running = tuple(name for name in CONTENDERS if name not in skip)
        _log(f"{listens} Listens: {corpus.momentum_bytes:,} bytes; timing {rounds} rounds of {', '.join(running)}")
        timings = measure_times(corpus, rounds, running)
        timings += [skipped(name, corpus, reason) for name, reason in skip.items()]
        timings.sort(key=lambda t: CONTENDERS.index(t.contender))
        results.timings += timings
        previous = timings
        # In --quick mode one size is enough to show that the memory measurement works.
        if not args.no_memory and (not args.quick or listens == args.sizes[0]):
            results.memory += [measure_memory(work / f"listens-{listens}", name) for name in running]
        _log(f"{listens} Listens done in {time.perf_counter() - started:.0f} s")
    small = generate(work / "small", 1, args.seed)
    big = next((c for c in results.corpora if c.listens == WHOLE_PROCESS_LISTENS), None)
    whole = None if big is None else (big.listens, big.momentum_root, big.nginx_root)
    results.startup = measure_startup(small.momentum_root, small.nginx_root, args.startup_runs, whole)
    return results


def _commit() -> str:
    """The checkout's commit, and whether ecconf's sources differ from it (others may be editing)."""
    root = Path(__file__).parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "grammar", "compiler", "ecconf"],
            cwd=root,
            capture_output=True,
            text=True,
        )
    except OSError:
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + (" (with uncommitted changes in ecconf's sources)" if dirty.stdout.strip() else "")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["server"]:
        from .bench_server import main as server_main

        return server_main(argv[1:])
    args = _parse_args(argv)
    command = shlex.join(["python", "-m", "bench", *argv])
    if args.work_dir is not None:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        results = run(args, args.work_dir, command)
    else:
        with tempfile.TemporaryDirectory(prefix="ecconf-bench-") as work:
            results = run(args, Path(work), command)
    kept = server_section(args.out.read_text(encoding="utf-8")) if args.out.exists() else ""
    args.out.write_text(render(results) + ("\n" + kept if kept else ""), encoding="utf-8")
    _log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
