"""Scoring builds hundreds of thousands of small tuples and dicts and no reference cycles; Python's cyclic
garbage collector would rescan them all again and again (more than half the n-gram counting time), so
it is paused while a metric computes. Memory is still freed by reference counting."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
