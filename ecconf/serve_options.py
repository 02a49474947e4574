"""What `ecconf serve` was asked to do, and how it tells where it listens.

Rule of this room: plain data and one announcement, shared by the single-process server (serving.py) and the
worker supervisor (workers.py), so that neither needs the other.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ServeOptions:
    config: str | None = None
    refresh_interval: float = 2.0  # seconds between checks of the credential files
    drain_seconds: float = 10.0  # how long SIGTERM waits for sessions in flight
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one object per line (logformat.py)
    check_files: bool = True
    loop: str = "auto"  # "auto": uvloop when installed (the [fast] extra), else asyncio's own loop
    workers: int = 1  # processes serving the same sockets (see supervise)
    user: str | None = None  # drop to this user once the sockets are bound and the stores loaded
    group: str | None = None  # ... and this group (default: the user's own)
    metrics: str | None = None  # HOST:PORT of the Prometheus endpoint (metrics.py), None: none
    # Guarded options (compiler/data/serve_guarded.tsv) serve may start without applying, lower case.
    allow_unserved: tuple[str, ...] = ()


def announce(addresses: Mapping[str, object]) -> None:
    for name, bound in addresses.items():
        where = f"{bound[0]}:{bound[1]}" if isinstance(bound, tuple) else str(bound)
        if isinstance(bound, tuple) and ":" in str(bound[0]):
            where = f"[{bound[0]}]:{bound[1]}"
        print(f"ecconf: listening on {where} (Listen {name!r})", file=sys.stderr, flush=True)
