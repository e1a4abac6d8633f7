"""Reading sharded datasets in DataLoader workers: each worker reads its units' shards (see
dataset/shard_units.py), cleans and splits the records, decodes and preprocesses them, and hands over
batches that never mix two units. Nothing reads the whole dataset first: the first batch is ready as
soon as the first shard's first records are."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from ..dataset import CleaningReport, Sample
from ..dataset.kinds import DatasetOptions
from ..dataset.shard_images import ShardImage
from ..dataset.shard_units import STREAM, Unit
from ..dataset.sharded import ShardedDatasetKind, StreamSplit, clean_shard
from .loading import CaptionCollate, DecodedBatch


@dataclass
class UnitBatch:
    """A batch of one unit (``unit`` is its place in the process's list); the unit's last batch says so
    and carries the cleaning report of each shard it read, with the records each split got."""

    unit: int
    batch: DecodedBatch
    last: bool = False
    reports: dict[int, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ShardReading:
    """What a process reads: the dataset's shards, its units, the split, and what is already captioned."""

    kind: ShardedDatasetKind
    shards: list[Path]
    units: list[Unit]
    options: DatasetOptions
    rule: StreamSplit
    split: str
    limit: int | None
    captioned: dict[int, set[int]]  # shard -> record positions holding a caption from an earlier launch


class ShardStream(IterableDataset[UnitBatch]):
    def __init__(self, reading: ShardReading, collate: CaptionCollate, batch_size: int) -> None:
        self.reading, self.collate, self.batch_size = reading, collate, batch_size

    def __iter__(self) -> Iterator[UnitBatch]:
        worker = get_worker_info()
        start, step = (0, 1) if worker is None else (worker.id, worker.num_workers)
        for place in range(start, len(self.reading.units), step):
            yield from self._unit(place)

    def _unit(self, place: int) -> Iterator[UnitBatch]:
        reading, unit = self.reading, self.reading.units[place]
        shards = range(len(reading.shards)) if unit.shard == STREAM else [unit.shard]
        reports: dict[int, dict[str, Any]] = {}
        picked: list[Sample] = []
        split_of: dict[int, str] = {}  # id(sample) -> its split, given when the batch is decoded
        taken = 0  # split records met: in the stream (--limit) or in the shard
        for shard in shards:
            report, splits = CleaningReport(), Counter[str]()
            if unit.shard != STREAM:
                taken = 0
            for sample in clean_shard(reading.kind.read_shard(reading.shards[shard], reading.options), shard, report):
                split = reading.rule.of(sample)
                splits[split] += 1
                if reading.split not in ("all", split):
                    continue
                taken += 1
                mine = (taken - 1) % unit.slots == unit.slot
                if mine and sample.order[1] not in reading.captioned.get(shard, ()):  # type: ignore[index]
                    picked.append(sample)
                    split_of[id(sample)] = split
                    if len(picked) == self.batch_size:
                        yield UnitBatch(place, _decoded(self.collate(picked), split_of))
                        picked, split_of = [], {}
                if reading.limit is not None and taken >= reading.limit:
                    break
            reports[shard] = {**report.to_dict(), "splits": dict(splits)}
            if reading.limit is not None and taken >= reading.limit:
                break
        yield UnitBatch(
            place, _decoded(self.collate(picked), split_of) if picked else DecodedBatch([], {}), True, reports
        )


def _decoded(batch: DecodedBatch, splits: dict[int, str]) -> DecodedBatch:
    """The batch as the main process gets it: each sample with its split, and its image's bytes left
    behind (they are decoded)."""
    batch.samples = [_shipped(sample, splits) for sample in batch.samples]
    batch.failures = [(_shipped(sample, splits), reason) for sample, reason in batch.failures]
    return batch


def _shipped(sample: Sample, splits: dict[int, str]) -> Sample:
    image = sample.image.without_data() if isinstance(sample.image, ShardImage) else sample.image
    return replace(sample, split=splits[id(sample)], image=image)


def _as_is(item: Any) -> Any:
    return item


def _one_thread(_: int) -> None:
    torch.set_num_threads(1)  # workers decode; a torch thread pool each would oversubscribe the cores


def shard_loader(
    reading: ShardReading, collate: CaptionCollate, batch_size: int, num_workers: int
) -> DataLoader[UnitBatch]:
    """Batches of this process's units, decoded ``num_workers`` at a time ahead of the model."""
    workers = min(num_workers, len(reading.units))
    return DataLoader(
        ShardStream(reading, collate, batch_size),
        batch_size=None,
        num_workers=workers,
        collate_fn=_as_is,
        worker_init_fn=_one_thread if workers else None,
        prefetch_factor=2 if workers else None,
        pin_memory=torch.cuda.is_available(),
    )
