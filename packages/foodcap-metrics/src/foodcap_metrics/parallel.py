"""Independent pieces of work spread over a forked process, so that scoring uses both cores.

The parent keeps the first piece and a forked child computes the others: the child inherits the corpus,
its tokens and every cache without pickling them, and only its results come back through a pipe.
Corpora too small to pay for a fork, platforms without ``fork``, daemonic processes (a Pool worker may
not fork) and ``FOODCAP_METRIC_PROCESSES=1`` stay in-process.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_THRESHOLD = 2000  # fewer captions than this are scored faster in-process


def processes() -> int:
    """``$FOODCAP_METRIC_PROCESSES``, else the number of cores, at most 2 (the work is split in two)."""
    configured = os.environ.get("FOODCAP_METRIC_PROCESSES")
    wanted = int(configured) if configured else os.cpu_count() or 1
    return 2 if wanted >= 2 else 1


def _forkable() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


class _ChildFailed:
    def __init__(self, text: str) -> None:
        self.text = text


def _child(function: Callable[[T], R], items: Sequence[T], pipe: object) -> None:
    try:
        result: object = [function(item) for item in items]
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        result = _ChildFailed(traceback.format_exc())
    pipe.send(result)  # type: ignore[attr-defined]
    pipe.close()  # type: ignore[attr-defined]


def fork_map(function: Callable[[T], R], items: Sequence[T], size: int) -> list[R]:
    """``[function(item) for item in items]``, the first item here and the rest in a forked child when
    ``size`` captions make it worth it."""
    if len(items) < 2 or processes() < 2 or size < PARALLEL_THRESHOLD or not _forkable():
        return [function(item) for item in items]
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(function, items[1:], sender), daemon=True)
    child.start()
    sender.close()
    try:
        first = function(items[0])
        rest = receiver.recv()
    except EOFError:
        child.join()
        raise RuntimeError(f"a metric worker process ended without a result (exit code {child.exitcode})") from None
    finally:
        receiver.close()
        child.join()
    if isinstance(rest, _ChildFailed):
        raise RuntimeError(f"a metric worker process failed:\n{rest.text}")
    return [first, *rest]


def halves(count: int) -> list[tuple[int, int]]:
    """``range(count)`` cut into one (start, stop) span per process."""
    parts = max(1, min(processes(), count))
    step = -(-count // parts)
    return [(start, min(start + step, count)) for start in range(0, count, step)]
