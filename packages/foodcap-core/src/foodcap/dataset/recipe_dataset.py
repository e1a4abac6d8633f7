"""The cleaned dataset: usable samples, and the report of how they were chosen."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import FoodcapError
from .cleaning_report import CleaningReport


@dataclass(frozen=True)
class Sample:
    """One cleaned, usable row: an image and its reference caption (the recipe title)."""

    id: str  # the CSV's first (unnamed) column, so ids survive re-ordering and re-cleaning
    image: Path  # absolute
    title: str


@dataclass
class RecipeDataset:
    root: Path
    samples: list[Sample]
    report: CleaningReport

    def __len__(self) -> int:
        return len(self.samples)

    def select(self, ids: Iterable[str]) -> list[Sample]:
        """The samples with these ids, in the order given (e.g. one split of a manifest).

        Raises FoodcapError when an id is not among the samples: the manifest was made from
        another dataset, or from another cleaning of this one.
        """
        by_id = {sample.id: sample for sample in self.samples}
        wanted = list(ids)
        unknown = [sample_id for sample_id in wanted if sample_id not in by_id]
        if unknown:
            shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
            raise FoodcapError(
                f"{len(unknown)} sample id(s) of the split are not in the dataset at {self.root} "
                f"({shown}): the split was made from another dataset"
            )
        return [by_id[sample_id] for sample_id in wanted]
