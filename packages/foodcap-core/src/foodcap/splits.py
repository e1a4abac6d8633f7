"""Loading a dataset and picking one split of it: the shared first step of run and train."""

from __future__ import annotations

from dataclasses import dataclass

from .config import DataConfig
from .dataset import RecipeDataset, Sample, SplitManifest, load_dataset, split_manifest


@dataclass
class SplitData:
    dataset: RecipeDataset
    manifest: SplitManifest

    def samples(self, split: str, limit: int | None = None) -> list[Sample]:
        """The split's samples in manifest order, optionally only the first ``limit``."""
        chosen = self.dataset.select(self.manifest.ids(split))
        return chosen[:limit] if limit else chosen


def load_split_data(data: DataConfig) -> SplitData:
    dataset = load_dataset(data.dataset)
    manifest = split_manifest(dataset.samples, ratios=data.split_ratios, seed=data.split_seed)
    return SplitData(dataset, manifest)
