"""The cleaned dataset: usable samples, and the report of how they were chosen."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import FoodcapError
from .cleaning_report import CleaningReport
from .shard_images import ShardImage

ImageSource = Path | ShardImage  # an image file, or an image inside a shard


@dataclass(frozen=True)
class Sample:
    """One cleaned, usable image and its reference captions (for Kaggle: the recipe title).

    ``references`` may be given as one string (the Kaggle title). ``group`` keeps samples on one side
    of a split (default: the first reference's normalised text); ``split`` is the dataset's own
    split (``train``, ``val`` or ``test``) when it has one.
    """

    id: str  # the dataset's own id (Kaggle: the CSV's first column), so ids survive re-cleaning
    image: ImageSource  # absolute, or inside a shard (webdataset, parquet)
    references: tuple[str, ...]
    group: str | None = None
    split: str | None = None
    order: tuple[int, int] | None = None  # sharded kinds: (input shard, record within it), the split order

    def __post_init__(self) -> None:
        references = (self.references,) if isinstance(self.references, str) else tuple(self.references)
        if not references:
            raise ValueError(f"sample {self.id!r} has no reference caption")
        object.__setattr__(self, "references", references)

    @property
    def title(self) -> str:
        """The first reference: what training learns and what one-reference readers show."""
        return self.references[0]


@dataclass
class RecipeDataset:
    root: Path
    samples: list[Sample]
    report: CleaningReport
    # The folders every sample's image lies in (symlinks followed); None: the user allowed any path.
    image_roots: tuple[Path, ...] | None = None

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
