"""Sharded dataset kinds (``webdataset``, ``parquet``): read one shard at a time, never all at once.

A kind reads a shard into raw ``ShardRecord``s (or ``ShardSkip``s for what it could not read at all);
``clean_shard`` turns them into samples with the checks every kind gets (empty or repeated ids, empty
captions, no or unreadable image, unknown split names), counted in a cleaning report per shard. A
record's split is its own (a ``split`` field) or else drawn from a stable hash of its group or key
(``StreamSplit``), so no process needs the whole dataset to know it. A sample's ``order`` is (shard,
record) and is the split order. Duplicate ids across shards are dropped when the run is merged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from .cleaning_report import CleaningReport
from .image_files import EMPTY_FILE
from .kinds import DatasetKind, DatasetOptions
from .recipe_dataset import RecipeDataset, Sample
from .records import DUPLICATE_ID, EMPTY_ID, NO_CAPTION, NO_IMAGE, SPLIT_NAMES, UNKNOWN_SPLIT, clean_captions
from .shard_images import ShardImage
from .shard_patterns import shard_paths
from .splits import SPLITS

UNREADABLE_SHARD = "unreadable shard"


@dataclass(frozen=True)
class ShardRecord:
    """One record of a shard as read: its key, its image, caption(s), and optional group and split."""

    key: str | None
    image: ShardImage | None
    captions: Sequence[str | None]
    group: str | None = None
    split: str | None = None


@dataclass(frozen=True)
class ShardSkip:
    """Rows a reader could not turn into records (a truncated tar's tail, a file missing a column)."""

    reason: str
    rows: int = 1


class ShardedDatasetKind(DatasetKind):
    """A kind whose data lie in shard files. Subclasses set ``suffixes`` and implement ``read_shard``."""

    suffixes: ClassVar[tuple[str, ...]]

    def shards(self, location: str) -> list[Path]:
        return shard_paths(location, self.suffixes)

    def read_shard(self, path: Path, options: DatasetOptions) -> Iterator[ShardRecord | ShardSkip]:
        """The shard's records in order. Never raises for bad data: yield a ShardSkip instead."""
        raise NotImplementedError

    def root(self, location: str, options: DatasetOptions) -> Path:
        return self.shards(location)[0].parent

    def load(self, location: str, options: DatasetOptions) -> RecipeDataset:
        """Every shard read into memory (``foodcap.load_dataset``, training); ``foodcap run`` streams instead."""
        report = CleaningReport()
        samples = [
            _unheld(sample)
            for index, path in enumerate(self.shards(location))
            for sample in clean_shard(self.read_shard(path, options), index, report)
        ]
        seen: set[str] = set()
        kept = []
        for sample in samples:
            if sample.id in seen:
                report.add_skip(DUPLICATE_ID)
                continue
            seen.add(sample.id)
            kept.append(sample)
        return RecipeDataset(root=self.root(location, options), samples=kept, report=report)


def _unheld(sample: Sample) -> Sample:
    """A sample whose image is read from its shard when used, not held (images inside a tar)."""
    image = sample.image
    if isinstance(image, ShardImage) and image.size and image.data is not None:
        return replace(sample, image=replace(image, data=None))
    return sample


def clean_shard(rows: Iterator[ShardRecord | ShardSkip], shard: int, report: CleaningReport) -> Iterator[Sample]:
    """The usable samples of one shard, in order; every other row counted in ``report`` by reason."""
    seen: set[str] = set()
    for position, row in enumerate(rows):
        if isinstance(row, ShardSkip):
            report.rows_read += row.rows
            report.kept += row.rows
            report.add_skip(row.reason, row.rows)
            continue
        report.rows_read += 1
        report.kept += 1
        sample = _checked(row, shard, position, seen, report)
        if sample is not None:
            yield sample


def _checked(row: ShardRecord, shard: int, position: int, seen: set[str], report: CleaningReport) -> Sample | None:
    key = str(row.key).strip() if row.key is not None else ""
    problem = None
    references: tuple[str, ...] = ()
    repairs: list[str] = []
    split = None
    if not key:
        problem = EMPTY_ID
    elif key in seen:
        problem = DUPLICATE_ID
    else:
        seen.add(key)
        references, repairs = clean_captions(row.captions)
        if row.split is not None and str(row.split).strip():
            split = SPLIT_NAMES.get(str(row.split).strip().lower())
        if not references:
            problem = NO_CAPTION
        elif row.split is not None and str(row.split).strip() and split is None:
            problem = UNKNOWN_SPLIT
        elif row.image is None:
            problem = NO_IMAGE
        elif not row.image.read():
            problem = EMPTY_FILE  # a broken image is found, and counted by reason, when it is decoded
    if problem is not None:
        report.add_skip(problem)
        return None
    for repair in repairs:
        report.add_repair(repair)
    return Sample(key, row.image, references, row.group, split, order=(shard, position))  # type: ignore[arg-type]


@dataclass(frozen=True)
class StreamSplit:
    """Which split a sharded record is in: its own (with ``own_split``), else a stable hash of its group
    (or key) with ``seed``, against the ratios; the same answer on every process and machine."""

    seed: int
    ratios: tuple[float, float, float]
    own_split: bool = True

    def of(self, sample: Sample) -> str:
        if self.own_split and sample.split:
            return sample.split
        key = f"group\x00{sample.group}" if sample.group is not None else sample.id
        draw = int.from_bytes(hashlib.sha256(f"{self.seed}\x00{key}".encode()).digest()[:8], "big") / 2**64
        train, val, _ = self.ratios
        return "train" if draw < train else "val" if draw < train + val else "test"

    def holds(self, sample: Sample, split: str) -> bool:
        return split == "all" or self.of(sample) == split


@dataclass
class StreamManifest:
    """split.json of a sharded run: the shards and the rule, not a list of ids (there may be millions);
    ``sizes`` are counted as the shards are read."""

    kind: str
    shards: list[str]
    rule: StreamSplit
    counted: dict[str, int]

    def _content(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "shards": self.shards,
            "seed": self.rule.seed,
            "ratios": list(self.rule.ratios),
            "own_split": self.rule.own_split,
            "split_by": "own split, else sha256 of seed and key",
        }

    def digest(self) -> str:
        canonical = json.dumps(self._content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def sizes(self) -> dict[str, int]:
        return {split: self.counted.get(split, 0) for split in SPLITS}

    def save(self, path: Path) -> None:
        document = {"format": "sharded-1", "digest": self.digest(), "sizes": self.sizes(), **self._content()}
        path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
