"""Loading a dataset and picking one split of it: the shared first step of run and train."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..config import DataConfig
from ..errors import FoodcapError
from . import CleaningReport, RecipeDataset, Sample, SplitManifest, split_manifest
from .image_files import MISSING_FILE
from .kinds import DatasetOptions
from .selection import open_dataset
from .sharded import StreamSplit
from .splits import given_split_manifest

if TYPE_CHECKING:
    from ..registry import Registry


class SplitDescription(Protocol):
    """What a run records about its split (split.json): a ``SplitManifest``, or a sharded run's ``StreamManifest``."""

    def digest(self) -> str: ...

    def sizes(self) -> dict[str, int]: ...

    def save(self, path: Path) -> None: ...


class SplitSource(Protocol):
    """What the run record needs from the data a run read: its cleaning report and its split."""

    @property
    def report(self) -> CleaningReport: ...

    @property
    def manifest(self) -> SplitDescription: ...

    @property
    def image_roots(self) -> tuple[Path, ...] | None:
        """The folders the run may read image files from (None: anywhere)."""


@dataclass
class SplitData:
    dataset: RecipeDataset
    manifest: SplitManifest

    @property
    def report(self) -> CleaningReport:
        return self.dataset.report

    @property
    def image_roots(self) -> tuple[Path, ...] | None:
        return self.dataset.image_roots

    def samples(self, split: str, limit: int | None = None) -> list[Sample]:
        """The split's samples in manifest order, optionally only the first ``limit``."""
        chosen = self.dataset.select(self.manifest.ids(split))
        return chosen[:limit] if limit else chosen

    def required_samples(self, split: str, limit: int | None = None) -> list[Sample]:
        """``samples``, or a FoodcapError saying in one line why the split holds no image."""
        chosen = self.samples(split, limit)
        if not chosen:
            raise FoodcapError(self.why_empty(split))
        return chosen

    def why_empty(self, split: str) -> str:
        """Why ``split`` holds no image: nothing survived cleaning, or the split left none for it."""
        report, root = self.dataset.report, self.dataset.root
        if not self.dataset.samples:
            if not report.rows_read:
                return f"the dataset at {root} holds no images"
            if report.skipped.get(MISSING_FILE) == report.rows_read:
                return (
                    f"all {report.rows_read} images are missing under {root}: set --image-root to the folder "
                    "that holds them (a COCO JSON's images), or check --dataset"
                )
            reasons = ", ".join(
                f"{count} {reason}"
                for reason, count in sorted(report.skipped.items(), key=lambda item: (-item[1], item[0]))
            )
            return f"no usable images in the dataset at {root}: all {report.rows_read} rows were skipped ({reasons})"
        sizes = ", ".join(f"{name} {count}" for name, count in self.manifest.sizes().items())
        if self.manifest.given:
            return (
                f"the dataset's own {split} split is empty ({sizes}): choose another --split, or pass "
                "--no-own-split to draw one"
            )
        return (
            f"the {split} split is empty ({sizes} of {len(self.dataset)} images): use more images or other "
            "--split-ratios"
        )

    def training_samples(self, split: str, limit: int | None = None) -> list[Sample]:
        """The split's samples, one per reference: an image with five captions is five training pairs.

        Pair ``k`` learns reference ``k`` (its ``title``) and keeps the others for scoring; its id is
        ``<id>#<k>``. Images with one reference (Kaggle) come back unchanged.
        """
        return [pair for sample in self.samples(split, limit) for pair in reference_pairs(sample)]


def reference_pairs(sample: Sample) -> list[Sample]:
    if len(sample.references) == 1:
        return [sample]
    references = sample.references
    return [
        replace(sample, id=f"{sample.id}#{k}", references=(reference, *references[:k], *references[k + 1 :]))
        for k, reference in enumerate(references)
    ]


def dataset_options(data: DataConfig) -> DatasetOptions:
    return DatasetOptions(
        image_column=data.image_column,
        caption_column=data.caption_column,
        image_root=data.image_root,
        allow_outside_root=data.allow_outside_root,
    )


def load_split_data(data: DataConfig, registry: Registry | None = None) -> SplitData:
    """Read the dataset (any installed kind) and split it: its own split, or one drawn by seed and ratios.
    A sharded kind's records are split as ``foodcap run`` streams them: own split, else a hash of the key."""
    if registry is None:
        from ..registry import get_registry

        registry = get_registry()
    dataset = open_dataset(data.dataset, registry, data.dataset_kind, dataset_options(data))
    if dataset.samples and dataset.samples[0].order is not None:
        rule = StreamSplit(data.split_seed, data.split_ratios, data.own_split)
        samples = [replace(sample, split=rule.of(sample)) for sample in dataset.samples]
        return SplitData(
            RecipeDataset(dataset.root, samples, dataset.report), given_split_manifest(samples, data.split_seed)
        )
    manifest = split_manifest(dataset.samples, ratios=data.split_ratios, seed=data.split_seed, own_split=data.own_split)
    return SplitData(dataset, manifest)
