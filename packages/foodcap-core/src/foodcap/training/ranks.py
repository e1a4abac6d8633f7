"""What the training processes agree on: rank 0's choices, shared, and captions gathered to rank 0.

Every function here is a no-op with one process, so the trainer reads the same either way. Rank 0
decides (a folder name, the best epoch, early stopping) and the others take its answer: a decision
that changes control flow is never recomputed per rank, where ranks could part ways and hang.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

import torch
from rich.console import Console

from ..batches import DecodedBatch
from ..captioner import Captioner
from ..config import DataConfig
from ..dataset import Sample
from ..launch import Launch, Shard
from ..runs.captioning import CaptionLog, caption_batches

T = TypeVar("T")


def agreed(value: T, launch: Launch) -> T:
    """Rank 0's ``value`` on every rank (a collective: every rank must call it)."""
    if not launch.distributed:
        return value
    from accelerate.utils import broadcast_object_list

    shared = [value]
    broadcast_object_list(shared, from_process=0)
    return shared[0]


def gathered(value: T, launch: Launch) -> list[T]:
    """Every rank's ``value``, in rank order, on every rank (a collective)."""
    if not launch.distributed:
        return [value]
    from accelerate.utils import gather_object

    return list(gather_object([value]))


def caption_shards(
    captioner: Captioner, samples: list[Sample], data: DataConfig, console: Console, launch: Launch
) -> tuple[list[tuple[Sample, str]], CaptionLog]:
    """Each rank captions its ``Shard`` of ``samples``; every rank gets all (sample, caption) pairs in
    ``samples``' order (decode failures left out) and the merged caption log."""
    mine = Shard(launch.rank, launch.world_size).take(samples)
    log = CaptionLog()
    captions: dict[str, str] = {}
    for batch_samples, batch_captions in caption_batches(
        captioner, mine, data.batch_size, data.num_workers, console, log, data.prefetch_mb * 2**20
    ):
        captions.update((sample.id, caption) for sample, caption in zip(batch_samples, batch_captions))
    every = gathered((captions, log), launch)
    for rank_captions, _ in every:
        captions.update(rank_captions)
    pairs = [(sample, captions[sample.id]) for sample in samples if sample.id in captions]
    return pairs, CaptionLog.combined(rank_log for _, rank_log in every)


def sync_skipped_gradients(model: torch.nn.Module, launch: Launch) -> None:
    """Average the accumulated gradients across ranks by hand, as DDP does on a step's last backward
    (needed when that backward was skipped because every image of the batch failed to decode)."""
    if not launch.distributed:
        return
    import torch.distributed as dist

    for parameter in model.parameters():
        if parameter.grad is not None:
            dist.all_reduce(parameter.grad)
            parameter.grad /= launch.world_size


def any_rank_empty(batch: DecodedBatch, launch: Launch) -> bool:
    """Whether this step's batch is empty (all images failed) in this process or, under DDP, in any:
    every process then skips the step together, or their gradient all-reduces would not pair up.

    Asked every step, so the flag travels on the host (gloo), never through the GPU: no device sync.
    """
    empty = not batch.samples
    if not launch.distributed:
        return empty
    import torch.distributed as dist

    flag = torch.tensor([int(empty)])
    dist.all_reduce(flag, group=_host_group(dist.group.WORLD))
    return bool(flag.item())


@functools.cache
def _host_group(world: Any) -> Any:
    """A gloo group over ``world``'s ranks for small host-side flags (the default group is NCCL on GPUs);
    cached per default group, so a new process group gets a new one."""
    import torch.distributed as dist

    return None if dist.get_backend() == "gloo" else dist.new_group(backend="gloo")
