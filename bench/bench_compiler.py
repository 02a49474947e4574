"""Time and memory of ecconf's compiler against its peers on the same generated configs.

Rule of this room: contenders run in ONE process, alternating (A B C D A B C D ...), so that whatever else
the machine is doing hurts them alike; we keep every sample and report medians. Memory is measured in a
fresh process per (contender, size), because a process's peak RSS never goes down.

Contenders:
  ecconf-parse   ecconf.compiler.transform.parse_text over every file's text (already in memory)
  ecconf-check   ecconf.compiler.includes.load + checker.check (check_files=False), reading the files
  crossplane     crossplane.parse (lex + parse + analyze, includes followed) of the nginx twin
  json.loads     the JSON twin's text (already in memory): the floor
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .generate import Corpus, load_corpus

CONTENDERS = ("ecconf-parse", "ecconf-check", "crossplane", "json.loads")
WARM_UP_TEXT = 'ESMTP_Listener { Listen ":25" { Peer "10.0.0.0/8" { Relay_Hosts = ( 10.0.0.0/8 ) } } }\n'


@dataclass
class Timing:
    contender: str
    listens: int
    input_bytes: int
    statements: int
    samples: list[float] = field(default_factory=list)
    problems: int = 0  # diagnostics / errors the contender reported: a sanity check that it did real work
    skipped: str | None = None  # why this contender was not run at this size

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def mb_per_s(self) -> float:
        return self.input_bytes / 1e6 / self.median

    @property
    def statements_per_s(self) -> float:
        return self.statements / self.median


@dataclass
class Memory:
    contender: str
    listens: int
    peak_rss_kib: int  # the measuring process's high-water mark
    growth_kib: int  # high-water mark minus the mark after imports and warm-up: what the run itself cost


def _runner(contender: str, corpus: Corpus) -> Callable[[], int]:
    """A zero-argument job for one contender; returns the number of problems it reported."""
    if contender == "ecconf-parse":
        from ecconf.compiler.transform import parse_text

        texts = [(p.read_text(encoding="utf-8"), str(p)) for p in corpus.momentum_files]

        def parse_only() -> int:
            # Keep every file's nodes until the end, as load() does, so memory counts the whole tree.
            trees = [parse_text(text, path) for text, path in texts]
            return len(trees) - len(texts)

        return parse_only
    if contender == "ecconf-check":
        from ecconf.compiler.checker import CheckOptions, check
        from ecconf.compiler.includes import load

        def parse_and_check() -> int:
            _, diagnostics = check(load(str(corpus.momentum_root)), CheckOptions(check_files=False))
            return len(diagnostics)

        return parse_and_check
    if contender == "crossplane":
        import crossplane

        def nginx() -> int:
            return len(crossplane.parse(str(corpus.nginx_root))["errors"])

        return nginx
    if contender == "json.loads":
        document = corpus.json_path.read_text(encoding="utf-8")

        def floor() -> int:
            json.loads(document)
            return 0

        return floor
    raise ValueError(f"unknown contender {contender!r}")


def _size_of(contender: str, corpus: Corpus) -> tuple[int, int]:
    if contender.startswith("ecconf"):
        return corpus.momentum_bytes, corpus.momentum_statements
    if contender == "crossplane":
        return corpus.nginx_bytes, corpus.nginx_statements
    return corpus.json_bytes, corpus.json_statements


def warm_up() -> None:
    """Build ecconf's parser and import every rule once, so no contender pays a one-off cost in a sample."""
    from ecconf.compiler.checker import CheckOptions, check
    from ecconf.compiler.includes import load_text

    check(load_text(WARM_UP_TEXT, "warm-up.conf"), CheckOptions(check_files=False))


def skipped(contender: str, corpus: Corpus, reason: str) -> Timing:
    return Timing(contender, corpus.listens, *_size_of(contender, corpus), skipped=reason)


def measure_times(corpus: Corpus, rounds: int, contenders: tuple[str, ...] = CONTENDERS) -> list[Timing]:
    """`rounds` samples of each contender, interleaved; a collection before each sample starts them even."""
    warm_up()
    jobs = {name: _runner(name, corpus) for name in contenders}
    timings = {name: Timing(name, corpus.listens, *_size_of(name, corpus)) for name in contenders}
    for _ in range(rounds):
        for name, job in jobs.items():
            gc.collect()
            start = time.perf_counter()
            problems = job()
            timings[name].samples.append(time.perf_counter() - start)
            timings[name].problems = problems
    return list(timings.values())


def _max_rss_kib() -> int:
    """This process image's RSS high-water mark in KiB.

    Linux's ru_maxrss carries over the RSS of the process that spawned us (the benchmark, holding the big
    inputs), so it cannot tell contenders apart; VmHWM belongs to this image's own address space.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS


def measure_memory(corpus_dir: Path, contender: str) -> Memory:
    """Run one contender once in a fresh interpreter and read its RSS high-water marks."""
    command = [sys.executable, "-m", "bench.bench_compiler", "--memory", contender, str(corpus_dir)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent)
    data = json.loads(done.stdout)
    return Memory(contender, data["listens"], data["peak_rss_kib"], data["growth_kib"])


def _memory_child(contender: str, corpus_dir: Path) -> None:
    corpus = load_corpus(corpus_dir)
    # Each contender pays only its own imports, which stay in the baseline (they are not the run's cost).
    if contender.startswith("ecconf"):
        warm_up()
    elif contender == "crossplane":
        import crossplane  # noqa: F401
    # Texts the in-memory contenders read are part of their footprint: build the job after the baseline.
    gc.collect()
    before = _max_rss_kib()
    _runner(contender, corpus)()
    peak = _max_rss_kib()
    print(json.dumps({"listens": corpus.listens, "peak_rss_kib": peak, "growth_kib": peak - before}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="internal: one memory measurement in a fresh process")
    parser.add_argument("--memory", choices=CONTENDERS, required=True)
    parser.add_argument("corpus_dir", type=Path)
    args = parser.parse_args(argv)
    _memory_child(args.memory, args.corpus_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
