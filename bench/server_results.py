"""What the server benchmarks measured, as plain records: filled by bench_server.py, rendered by
report_server.py (so neither imports the other).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from .session_cpu import Install


@dataclass
class Series:
    """The rounds of one contender with one mechanism."""

    contender: str
    mechanism: str
    runs: list[dict[str, object]] = field(default_factory=list)

    def median(self, key: str) -> float:
        return statistics.median(float(r[key]) for r in self.runs) if self.runs else 0.0  # type: ignore[arg-type]

    @property
    def errors(self) -> int:
        return sum(int(r["errors"]) for r in self.runs)  # type: ignore[call-overload]

    @property
    def samples(self) -> list[str]:
        return [s for r in self.runs for s in r["error_samples"]][:3]  # type: ignore[attr-defined]


@dataclass
class ServerResults:
    command: str
    concurrency: int
    rounds: int
    sessions: int
    time_limit: float
    throughput: list[Series] = field(default_factory=list)
    fsync: list[Series] = field(default_factory=list)  # ecconf PLAIN with the spool on tmpfs and on disk
    fsync_dir: str = ""
    idle: list[dict[str, object]] = field(default_factory=list)
    store: list[dict[str, object]] = field(default_factory=list)
    reload: dict[str, object] = field(default_factory=dict)
    protocol: dict[str, float] = field(default_factory=dict)  # mechanism -> sans-IO protocol us per session
    datasources: list[Series] = field(default_factory=list)  # ecconf PLAIN per store: file: first, then auth_ds
    session_cpu: list[Install] = field(default_factory=list)  # this checkout first, then earlier commits
    session_cpu_notes: list[str] = field(default_factory=list)
    session_cpu_bursts: tuple[int, int] = (0, 0)  # bursts, sessions per burst
    notes: list[str] = field(default_factory=list)
