"""`ecconf lint --watch`: lint again whenever what the last run read has changed.

Rule of this room: the one polling loop; it knows nothing of linting. The caller hands over a run, which
returns what it saw, and a probe, which says what differs now (or None). Polling twice a second needs only
the standard library and works alike everywhere. The lint probe compares the texts themselves, not
modification times: some file systems stamp two writes a tenth of a second apart with the same time, and a
write that lands while a run reads must not be missed. Ctrl-C ends it (exit 0).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from .exits import EXIT_OK, say_error

INTERVAL = 0.5  # seconds between two looks

Seen = TypeVar("Seen")


def watch(run: Callable[[], Seen], probe: Callable[[Seen], str | None], interval: float = INTERVAL) -> int:
    """Run; then look every `interval` seconds until the probe names a change, and run again; until Ctrl-C."""
    try:
        while True:
            seen = run()
            while (changed := probe(seen)) is None:
                time.sleep(interval)
            say_error(f"{changed} changed; checking again")
    except KeyboardInterrupt:
        return EXIT_OK
