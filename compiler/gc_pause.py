"""Pause the cyclic garbage collector while the compiler builds a large, long-lived graph.

Rule of this room: one context manager, restoring exactly the state it found. Parsing and checking allocate
hundreds of thousands of small objects (tokens, nodes, spans, models) that all stay alive until the run ends
and hold no reference cycles, yet every 700 allocations trigger a collection that walks them again: on a
1000-Listen config about a quarter of the time. Nothing the compiler makes needs the cycle collector, and
reference counting still frees everything else at once; the collector runs as usual as soon as we leave.

Leaving, we hand what the block made straight to the oldest generation. Otherwise the first allocation after
the pause starts a young collection that walks all of it (then a middle one walks it again): about a fifth
of a 1000-Listen lint, spent learning that long-lived objects are long-lived. gc.freeze() + gc.unfreeze()
moves every tracked object to the oldest generation in constant time; cycles there are still collected by
the next full collection, so nothing leaks. Skipped when someone else has frozen objects (we would thaw them).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cycle collector for the block (nested blocks and a caller's own gc.disable() are kept)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
