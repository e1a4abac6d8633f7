"""Which samples each process trains on at each step, so that N processes take the steps one process would.

One process with batch B and N processes with batch B/N see the same global batches in the same
order: every epoch draws one permutation (the same on every rank), cuts it into global batches of
``batch_size * world_size`` samples, and each rank takes its strided share (``Shard.take``). A rank
whose share of a short last batch is empty trains on a stand-in sample with weight zero, so every
rank runs the same number of forward/backward passes and DDP never waits on a missing one.

Each rank's loss is weighted by its share of the samples in the optimizer step, so the gradient
DDP averages is the mean over the step's samples whatever the number of processes or ``--grad-accum``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch
from torch.utils.data import Sampler

from ..launch import Launch, Shard


@dataclass(frozen=True)
class StepPlan:
    """One epoch for one rank: its dataset indices per step, and how many samples all ranks hold per step."""

    batches: list[list[int]]
    totals: list[int]
    fillers: list[bool] = field(default_factory=list)  # the rank's batch is a zero-weight stand-in

    def __len__(self) -> int:
        return len(self.batches)

    def weight(self, step: int, samples: int, world_size: int, group: range) -> float:
        """The factor on this rank's mean loss at ``step`` that makes the gradient of the optimizer step
        (DDP's average over ranks, summed over the accumulated ``group``) the mean over all its samples."""
        return 0.0 if self.fillers[step] else samples * world_size / sum(self.totals[index] for index in group)


def _with_fillers(batches: list[list[int]], totals: list[int], stand_in: int) -> StepPlan:
    return StepPlan([batch or [stand_in] for batch in batches], totals, [not batch for batch in batches])


def shared_order_plan(count: int, batch_size: int, launch: Launch, generator: torch.Generator) -> StepPlan:
    """Global batches of ``batch_size * world_size`` from one shared permutation; this rank's strided share."""
    order = torch.randperm(count, generator=generator).tolist()
    per_step = batch_size * launch.world_size
    steps = [order[start : start + per_step] for start in range(0, count, per_step)]
    shard = Shard(launch.rank, launch.world_size)
    return _with_fillers([shard.take(step) for step in steps], [len(step) for step in steps], order[0])


def own_shard_plan(sizes: list[int], batch_size: int, launch: Launch, generator: torch.Generator) -> StepPlan:
    """Batches from this rank's own shard only (indices local to it), for data only this rank holds.

    ``sizes`` are every rank's shard sizes. With one process it is exactly ``shared_order_plan``;
    with several, each rank shuffles its own shard, and ranks with fewer batches fill the last
    steps with zero-weight stand-ins.
    """
    steps = max(math.ceil(size / batch_size) for size in sizes)
    mine = sizes[launch.rank]
    order = torch.randperm(mine, generator=generator).tolist()
    batches = [order[step * batch_size : (step + 1) * batch_size] for step in range(steps)]
    totals = [sum(min(batch_size, max(0, size - step * batch_size)) for size in sizes) for step in range(steps)]
    return _with_fillers(batches, totals, order[0] if order else 0)


def steps_per_epoch(plan: StepPlan, grad_accum: int) -> int:
    """Optimizer steps in an epoch: a short last group of batches still takes a step."""
    return math.ceil(len(plan) / grad_accum)


def accumulation_groups(plan: StepPlan, grad_accum: int) -> Iterator[range]:
    """The plan's steps, ``grad_accum`` at a time (the last group may be shorter)."""
    for start in range(0, len(plan), grad_accum):
        yield range(start, min(start + grad_accum, len(plan)))


class PlannedBatches(Sampler[list[int]]):
    """A DataLoader batch sampler that yields the current epoch's plan (set before iterating)."""

    def __init__(self) -> None:
        self.plan = StepPlan([], [])

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self.plan.batches)

    def __len__(self) -> int:
        return len(self.plan)


def set_schedule_position(scheduler: torch.optim.lr_scheduler.LRScheduler, steps_done: int) -> None:
    """Put a resumed schedule at ``steps_done`` of this launch's plan (its length depends on the processes)."""
    scheduler.last_epoch = steps_done - 1
    scheduler.step()
