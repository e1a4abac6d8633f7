"""How many decoded batches may wait for the model: bounded by bytes, not by a count of batches.

DataLoader workers each keep ``prefetch_factor`` batches ready, and they hand them over through
shared memory (``/dev/shm``). Counting batches ignores their size: Gemma's 896x896 pixels at
``--batch-size 64`` are about 600 MB a batch, so 8 workers x 4 batches would hold ~20 GB of host
memory and overflow a container's small ``/dev/shm`` (a bus error). The plan below keeps what is in
flight within ``--prefetch-mb`` and half of the free shared memory, with fewer workers or a shallower
queue, and decodes in the main process when not even one batch fits.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

logger = logging.getLogger("foodcap")

MAX_PREFETCH_FACTOR = 4
SHARED_MEMORY = Path("/dev/shm")


@dataclass(frozen=True)
class PrefetchPlan:
    num_workers: int
    prefetch_factor: int | None
    note: str | None = None  # why the plan holds fewer batches than asked, for the log

    def in_flight_batches(self) -> int:
        return self.num_workers * (self.prefetch_factor or 0)


def shared_memory_free() -> int | None:
    """Free bytes in /dev/shm, where workers pass batches; None where there is no such mount."""
    try:
        return shutil.disk_usage(SHARED_MEMORY).free
    except OSError:
        return None


def plan_prefetch(batch_bytes: int, num_workers: int, budget_bytes: int, shm_free: int | None) -> PrefetchPlan:
    """Workers and queue depth that keep ``batch_bytes``-sized batches within the budget and /dev/shm."""
    if num_workers == 0 or batch_bytes <= 0:
        return PrefetchPlan(num_workers, MAX_PREFETCH_FACTOR if num_workers else None)
    limit = budget_bytes if shm_free is None else min(budget_bytes, shm_free // 2)
    factor = min(MAX_PREFETCH_FACTOR, limit // (num_workers * batch_bytes))
    if factor >= 1:
        return PrefetchPlan(num_workers, int(factor))
    megabytes = f"{batch_bytes / 2**20:.0f} MiB"
    where = (
        f"/dev/shm has {shm_free / 2**20:.0f} MiB free"
        if shm_free is not None and shm_free // 2 < budget_bytes
        else f"--prefetch-mb is {budget_bytes / 2**20:.0f}"
    )
    workers = int(limit // batch_bytes)
    if workers >= 1:
        return PrefetchPlan(
            workers,
            1,
            f"batches of {megabytes} and {where}: {workers} of {num_workers} decoding workers, one batch each",
        )
    return PrefetchPlan(
        0,
        None,
        f"a batch of {megabytes} does not fit ({where}): decoding in the main process; "
        "enlarge /dev/shm (docker --shm-size), raise --prefetch-mb or lower --batch-size",
    )


def batch_bytes(collate: Callable[[list[Any]], Any], samples: Sequence[Any], batch_size: int) -> int:
    """A full batch's size, from the model inputs of the first sample that decodes (0 if none do)."""
    for sample in samples[:4]:
        probe = collate([sample])
        if probe.samples:
            per_sample = sum(t.nbytes for t in probe.inputs.values() if isinstance(t, torch.Tensor))
            return int(per_sample * batch_size)
    return 0


def bounded_plan(
    collate: Callable[[list[Any]], Any], samples: Sequence[Any], batch_size: int, num_workers: int, budget_bytes: int
) -> PrefetchPlan:
    """The plan for one loader, logging once why it holds less than asked."""
    if num_workers == 0:
        return PrefetchPlan(0, None)
    plan = plan_prefetch(batch_bytes(collate, samples, batch_size), num_workers, budget_bytes, shared_memory_free())
    if plan.note:
        logger.warning("%s", plan.note)
    return plan
