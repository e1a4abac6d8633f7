"""Which process this is: rank detection for torchrun / accelerate launch, and job-array shards.

torchrun and ``accelerate launch`` both export RANK, WORLD_SIZE and LOCAL_RANK (multi-node too),
so a process can tell its place without any extra flag. A ``--shard I/N`` job (a SLURM array
task, say) is an ordinary single process that owns one fixed slice of the split.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from rich.console import Console

from .errors import FoodcapError

T = TypeVar("T")


@dataclass(frozen=True)
class Launch:
    """This process's place among the processes of one launch (1 of 1 when run plainly)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def detect_launch(environ: Mapping[str, str] | None = None) -> Launch:
    """The launch described by torchrun's (and accelerate's) environment variables."""
    env = os.environ if environ is None else environ
    try:
        world_size = int(env.get("WORLD_SIZE", "1"))
        rank = int(env.get("RANK", "0"))
        local_rank = int(env.get("LOCAL_RANK", str(rank)))
    except ValueError as error:
        raise FoodcapError(f"RANK/WORLD_SIZE/LOCAL_RANK must be integers: {error}") from error
    if world_size < 1 or not 0 <= rank < world_size:
        raise FoodcapError(f"inconsistent launch: RANK={rank}, WORLD_SIZE={world_size}")
    return Launch(rank, world_size, local_rank)


@dataclass(frozen=True)
class Shard:
    """Slice ``index`` of ``count``: every ``count``-th item starting at ``index`` (balanced to ±1)."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise FoodcapError(f"invalid shard {self.index}/{self.count}: need 0 <= I < N")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"I/N"`` as written on the command line, e.g. ``--shard 2/8``."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match:
            raise FoodcapError(f"--shard expects I/N (e.g. 0/4), got {text!r}")
        return cls(int(match[1]), int(match[2]))

    @property
    def whole(self) -> bool:
        return self.count == 1

    def take(self, items: Sequence[T]) -> list[T]:
        """This shard's items, in their original order."""
        return list(items[self.index :: self.count])

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def decided_by_rank0(launch: Launch, decide: Callable[[], T]) -> T:
    """``decide()`` on rank 0, handed to every rank: one collective, at start-up only.

    A FoodcapError raised on rank 0 is re-raised on every rank (rank 0 alone prints it), so no
    rank starts work that rank 0 refused. Single processes just call ``decide``.
    """
    if not launch.distributed:
        return decide()
    import torch.distributed as dist

    started_here = not dist.is_initialized()
    if started_here:
        dist.init_process_group("gloo")  # env:// rendezvous as torchrun/accelerate set it; CPU-only traffic
    try:
        box: list[Any] = [None]
        if launch.is_main:
            try:
                box[0] = ("ok", decide())
            except FoodcapError as error:
                box[0] = ("error", str(error))
        dist.broadcast_object_list(box, src=0)
    finally:
        if started_here:
            dist.destroy_process_group()
    status, value = box[0]
    if status == "error":
        raise FoodcapError(value) if launch.is_main else RankStopped(value)
    return value  # type: ignore[no-any-return]


def rank_console(console: Console, launch: Launch) -> Console:
    """Rank 0 prints; the other ranks' consoles stay quiet, so each line appears once per launch."""
    return console if launch.is_main else Console(quiet=True)


class RankStopped(FoodcapError):
    """Rank 0 refused the run; other ranks stop quietly (rank 0 has printed why)."""
