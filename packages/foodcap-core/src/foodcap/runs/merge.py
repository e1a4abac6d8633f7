"""Merging the parts of a run into one file in split order, as a streaming k-way merge: every part is
already in split order (each process captions its share in order), so the merge holds one record per
part, never the run.

A record's place in the split is its sort key: its index in the manifest for kinds read into memory,
its ``order`` (input shard, position) for sharded kinds (see ``dataset/sharded.py``). Of several records
with one key, the first caption wins (the merged predictions.jsonl first, then the parts in name order),
and a caption beats a decode failure.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dataset import Sample
from ..errors import FoodcapError
from ..launch import Shard
from .folder import PARTS, PREDICTIONS, iter_jsonl, json_line, part_names, write_lines_atomically
from .parts import PartInfo, part_status

SortKey = Any  # an int or a tuple of ints: comparable, and equal for two records of one image
MERGED = ".merged.jsonl"  # the split's captioned records in order, before scoring (removed once scored)


@dataclass
class Merged:
    """What the merge found; the captioned split records, in split order, are in ``path``."""

    path: Path
    count: int = 0  # captioned split records in ``path``
    failures: dict[str, str] = field(default_factory=dict)  # split images that could not be decoded: id -> reason
    missing: list[str] = field(default_factory=list)  # split ids with neither a caption nor a failure
    captioned_twice: int = 0  # images that more than one part captioned (0 unless something went wrong)
    duplicates: int = 0  # records dropped because an earlier record had the same id (sharded kinds)
    duplicate_splits: Counter[str] = field(default_factory=Counter)  # the splits those records were in
    others: list[dict[str, Any]] = field(default_factory=list)  # records of ids outside the split: kept

    def records(self, skip: int = 0) -> Iterator[dict[str, Any]]:
        return iter_jsonl(self.path, skip)


class _OutOfOrder(FoodcapError):
    """An input not in split order: parts written by hand or by another version."""


def _keyed(
    records: Iterable[dict[str, Any]],
    key: Callable[[dict[str, Any]], SortKey | None],
    source: int,
    others: list[dict[str, Any]],
    name: str,
) -> Iterator[tuple[SortKey, int, dict[str, Any]]]:
    """(key, source, record) of one input in order; records outside the split go to ``others``."""
    previous = None
    for record in records:
        place = key(record)
        if place is None:
            others.append(record)
            continue
        if previous is not None and place < previous:
            raise _OutOfOrder(f"{name} is not in split order (at id {record.get('id')!r})")
        previous = place
        yield place, source, record


def _inputs(
    folder: Path, key: Callable[[dict[str, Any]], SortKey | None], others: list[list[dict[str, Any]]], in_memory: bool
) -> list[Iterator[tuple[SortKey, int, dict[str, Any]]]]:
    """predictions.jsonl, then each part; ``in_memory`` sorts each input first (inputs out of order)."""
    sources = [(PREDICTIONS, folder / PREDICTIONS)] + [
        (f"part {name}", folder / PARTS / f"{name}.jsonl") for name in part_names(folder)
    ]
    others.clear()
    others.extend([] for _ in sources)

    def records(path: Path) -> Iterable[dict[str, Any]]:
        if not in_memory:
            return iter_jsonl(path)
        return sorted(iter_jsonl(path), key=lambda record: (key(record) is None, key(record) or 0))

    return [_keyed(records(path), key, index, others[index], name) for index, (name, path) in enumerate(sources)]


def merge_samples(folder: Path, samples: Sequence[Sample]) -> Merged:
    """Merge a split held in memory (every kind but the sharded ones): a record's key is its sample's index."""
    index = {sample.id: place for place, sample in enumerate(samples)}
    return merge_parts(folder, lambda record: index.get(record["id"]), [sample.id for sample in samples])


def merge_parts(
    folder: Path, key: Callable[[dict[str, Any]], SortKey | None], expected: Sequence[str] | None = None
) -> Merged:
    """Write the split's captioned records in order to ``folder/.merged.jsonl``. With ``expected`` (the
    split's ids, keys 0..n-1) the ids without a record are listed as missing, and inputs out of split order
    (a trainer appends its test captions to predictions.jsonl as they come) are sorted in memory; without it
    (sharded kinds, whose completeness is checked per input shard) records repeating an earlier id are dropped."""
    try:
        return _merge(folder, key, expected, in_memory=False)
    except _OutOfOrder:
        if expected is None:
            raise
        return _merge(folder, key, expected, in_memory=True)


def _merge(
    folder: Path, key: Callable[[dict[str, Any]], SortKey | None], expected: Sequence[str] | None, in_memory: bool
) -> Merged:
    others: list[list[dict[str, Any]]] = []
    streams = _inputs(folder, key, others, in_memory)
    merged = Merged(folder / MERGED)
    seen = bytearray(len(expected)) if expected is not None else None
    hashes = array("Q")

    def chosen() -> Iterator[str]:
        ordered = heapq.merge(*streams, key=lambda item: item[0])  # stable: earlier inputs first on ties
        for place, group in itertools.groupby(ordered, key=lambda item: item[0]):
            items = list(group)
            captions = [record for _, _, record in items if "caption" in record]
            merged.captioned_twice += sum(1 for _, source, record in items if source and "caption" in record) > 1
            if seen is not None and 0 <= place < len(seen):
                seen[place] = 1
            if not captions:
                record = items[-1][2]
                merged.failures[record["id"]] = record.get("failure", "unreadable image")
                continue
            merged.count += 1
            if expected is None:
                hashes.append(id_hash(captions[0]["id"]))
            yield json_line(captions[0])

    write_lines_atomically(merged.path, chosen())
    if expected is not None and seen is not None:
        merged.missing = [expected[place] for place, done in enumerate(seen) if not done]
    merged.others = _first_captions(others)
    if len(hashes) > 1:
        _drop_repeated_ids(merged, hashes)
    return merged


def id_hash(sample_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(sample_id.encode("utf-8"), digest_size=8).digest(), "little")


def _drop_repeated_ids(merged: Merged, hashes: array) -> None:  # type: ignore[type-arg]
    """Keep the first record of an id that several records share (one key in two shards); count the rest.
    Ids are compared exactly, and only among those whose 8-byte hashes repeat."""
    import numpy as np

    values = np.sort(np.frombuffer(hashes, dtype=np.uint64))
    repeated = set(values[1:][values[1:] == values[:-1]].tolist())
    if not repeated:
        return
    seen: set[str] = set()

    def kept() -> Iterator[str]:
        for record in merged.records():
            if id_hash(record["id"]) in repeated:
                if record["id"] in seen:
                    merged.duplicates += 1
                    merged.duplicate_splits[str(record.get("split"))] += 1
                    continue
                seen.add(record["id"])
            yield json_line(record)

    write_lines_atomically(merged.path, kept())
    merged.count -= merged.duplicates


def _first_captions(others: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Records outside the split, the first caption of each id, in the order the inputs hold them."""
    kept: dict[str, dict[str, Any]] = {}
    for record in itertools.chain.from_iterable(others):
        if "caption" in record:
            kept.setdefault(record["id"], record)
    return list(kept.values())


def shard_count(folder: Path) -> int | None:
    """N of the folder's ``--shard I/N`` parts, None if it has none; mixed counts are an error."""
    counts = {info.shard.count for info in _infos(folder) if info.shard is not None}
    if len(counts) > 1:
        raise FoodcapError(f"{folder} holds shards of different counts ({', '.join(map(str, sorted(counts)))})")
    return counts.pop() if counts else None


def unfinished_shards(folder: Path) -> list[Shard]:
    """The shards of the folder's job array that have not reported done (never started included)."""
    count = shard_count(folder)
    if count is None:
        return []
    done = {
        info.shard.index
        for info in _infos(folder)
        if info.shard is not None and part_status(folder, info.name).get("status") == "done"
    }
    return [Shard(index, count) for index in range(count) if index not in done]


def _infos(folder: Path) -> list[PartInfo]:
    return [info for name in part_names(folder) if (info := PartInfo.parse(name)) is not None]


def part_reports(folder: Path) -> list[dict[str, Any]]:
    """What each process reported about its part (who, where, how many, how fast)."""
    return [part_status(folder, name) for name in part_names(folder)]


def recorded_config(folder: Path) -> dict[str, Any]:
    """The run config a part recorded (for ``foodcap merge``, which takes only the folder)."""
    for report in part_reports(folder):
        if "config" in report:
            return dict(report["config"])
    raise FoodcapError(f"{folder} holds no run parts to merge (is it a foodcap run folder? see {PARTS}/)")
