"""The compiler's GC pause: the collector is off inside, restored after, and what the block made is handed to
the oldest generation (not walked by young collections), without thawing anyone else's frozen objects."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from ecconf.compiler.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.unfreeze()  # start from no frozen objects, whatever ran before
    gc.enable()
    yield
    gc.unfreeze()
    if not was:
        gc.disable()


def _in_generation(obj: object, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation))


def test_collector_is_off_inside_and_on_after() -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block found it off and leaves it off
    assert gc.isenabled()


def test_a_callers_own_disable_is_kept() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_what_the_block_made_goes_to_the_oldest_generation() -> None:
    with gc_paused():
        made = [[index] for index in range(10)]
    assert _in_generation(made, 2)
    assert not _in_generation(made, 0)


class _Node:
    partner: object = None


def test_cycles_made_in_the_block_are_still_collected() -> None:
    with gc_paused():
        node = _Node()
        node.partner = node
        ref = weakref.ref(node)
    del node
    gc.collect()
    assert ref() is None  # promoted, not frozen: a full collection still frees it


def test_objects_someone_else_froze_stay_frozen() -> None:
    frozen_before = [1, 2, 3]
    gc.freeze()
    count = gc.get_freeze_count()
    with gc_paused():
        made = [[index] for index in range(10)]
    assert gc.get_freeze_count() == count
    assert not _in_generation(frozen_before, 2)
    assert made
