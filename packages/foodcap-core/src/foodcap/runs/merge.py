"""Merging the parts of a run into predictions.jsonl, in split order, without losing a record."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dataset import Sample
from ..errors import FoodcapError
from ..launch import Shard
from .folder import PARTS, part_names, part_records, read_jsonl
from .parts import PartInfo, part_status


@dataclass
class Merged:
    """A folder's records lined up with the split."""

    records: list[dict[str, Any]]  # one per captioned split sample, in split order
    failures: dict[str, str]  # split samples whose image could not be decoded: id -> reason
    missing: list[Sample]  # split samples with neither a caption nor a failure
    captioned_twice: int  # ids that more than one part captioned (0 unless something went wrong)
    others: list[dict[str, Any]] = field(default_factory=list)  # records of ids outside the split: kept


def merge_records(folder: Path, samples: list[Sample]) -> Merged:
    """Union of predictions.jsonl and every part; a caption beats a failure, the first caption wins."""
    captions: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    for record in read_jsonl(folder / "predictions.jsonl"):
        captions.setdefault(record["id"], record)
    by_parts: Counter[str] = Counter()
    for _, record in part_records(folder):
        if "caption" in record:
            by_parts[record["id"]] += 1
            captions.setdefault(record["id"], record)
        else:
            failures[record["id"]] = record.get("failure", "unreadable image")
    in_split = {sample.id for sample in samples}
    return Merged(
        records=[captions[s.id] for s in samples if s.id in captions],
        failures={s.id: failures[s.id] for s in samples if s.id not in captions and s.id in failures},
        missing=[s for s in samples if s.id not in captions and s.id not in failures],
        captioned_twice=sum(1 for count in by_parts.values() if count > 1),
        others=[record for key, record in captions.items() if key not in in_split],
    )


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
