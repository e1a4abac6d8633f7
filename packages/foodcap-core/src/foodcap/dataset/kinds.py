"""The DatasetKind interface: one dataset layout (Kaggle CSV, image folder, COCO JSON, ...) read into samples."""

from __future__ import annotations

from abc import ABC
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from .recipe_dataset import RecipeDataset
from .records import DatasetRecord, SkippedRow, clean_records


class DatasetOptions(BaseModel):
    """Settings a layout may need beyond its location (``--image-column``, ``--image-root``...)."""

    model_config = ConfigDict(extra="forbid")

    image_column: str | None = Field(
        None, description="Column holding the image (hf; default: the first Image column)."
    )
    caption_column: str | None = Field(
        None, description="Column holding the caption(s) (imagefolder, hf; default: caption/text/title...)."
    )
    image_root: Path | None = Field(
        None, description="Folder the image paths are relative to (coco; default: beside the JSON)."
    )
    workers: int = Field(1, ge=1, description="Threads that check image files at load time.")
    allow_outside_root: bool = Field(
        False, description="Read images whose paths lead outside the dataset's folder (default: skipped)."
    )


class DatasetKind(ABC):
    """A dataset layout. Subclasses set ``name``/``description`` and implement ``records``.

    ``records`` only reads the layout; ``load`` cleans the records into samples with a cleaning
    report (empty captions, duplicate ids, missing or unreadable images are counted and skipped).
    A kind with its own cleaning (``kaggle-food``) overrides ``load`` instead.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""

    @classmethod
    def detect(cls, location: Path) -> bool:
        """Whether ``location`` looks like this layout, judged cheaply (file names, a JSON's keys)."""
        return False

    def records(self, location: str, options: DatasetOptions) -> Iterable[DatasetRecord | SkippedRow]:
        """The layout's images and captions, raw (a ``SkippedRow(reason)`` for a row that cannot be parsed).
        Raise FoodcapError for a location that cannot be read."""
        raise NotImplementedError(f"dataset kind {self.name!r} implements neither records() nor load()")

    def root(self, location: str, options: DatasetOptions) -> Path:
        """The folder that relative image paths start from: the location itself when it is a folder, else
        the folder that holds it (``~`` expanded, made absolute). Override it to look elsewhere."""
        path = Path(location).expanduser().resolve()
        return path if path.is_dir() else path.parent

    def load(self, location: str, options: DatasetOptions) -> RecipeDataset:
        records = self.records(location, options)
        return clean_records(
            records,
            self.root(location, options),
            workers=options.workers,
            allow_outside_root=options.allow_outside_root,
        )
