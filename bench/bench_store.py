"""A credential store of a million users: load time, memory, look-up time against a small one.

Rule of this room: one store per fresh process (`python -m bench.bench_store FILE...` prints JSON), so the
memory high-water mark belongs to that load alone. Look-ups are timed for a known user at the start, middle
and end of the file and for an unknown one, in a small and a big store: constant time means the same cost.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ecconf.runtime.stores import PasswordFileStore, StoreKind


def write_passwd(path: Path, users: int) -> Path:
    """`users` lines of `userNNNNNNN:pwNNNNNNNx`, written in one go."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"user{n:07d}:pw{n:07d}x\n" for n in range(users)), encoding="ascii")
    return path


def _kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _lookup_ns(store: PasswordFileStore, users: list[str], repeat: int = 20_000) -> float:
    """Median over `users` of the mean time of one `cleartext()` call, in nanoseconds."""
    times = []
    for user in users:
        started = time.perf_counter_ns()
        for _ in range(repeat):
            store.cleartext(user)
        times.append((time.perf_counter_ns() - started) / repeat)
    times.sort()
    return times[len(times) // 2]


def measure(path: Path) -> dict[str, float]:
    before = _kib("VmRSS")
    started = time.perf_counter()
    store = PasswordFileStore(f"file://{path}", path, StoreKind.FILE)
    load_s = time.perf_counter() - started
    count = len(store)
    probes = [f"user{n:07d}" for n in (0, count // 2, count - 1)] + ["nobody-at-all"]
    assert store.cleartext(probes[0]) is not None and store.cleartext(probes[-1]) is None
    return {
        "users": count,
        "bytes": path.stat().st_size,
        "load_s": load_s,
        "peak_growth_mib": (_kib("VmHWM") - before) / 1024,
        "held_mib": (_kib("VmRSS") - before) / 1024,
        "lookup_ns": _lookup_ns(store, probes),
    }


def main(argv: list[str] | None = None) -> int:
    for name in argv if argv is not None else sys.argv[1:]:
        print(json.dumps(measure(Path(name))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
