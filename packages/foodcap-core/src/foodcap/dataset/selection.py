"""Which dataset kind reads a location: ``KIND:PATH``, ``--dataset-kind``, or detection over the installed kinds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import validate
from ..errors import FoodcapError
from .bundled_sample import SAMPLE
from .kinds import DatasetOptions
from .recipe_dataset import RecipeDataset

if TYPE_CHECKING:
    from ..registry import Entry, Registry
    from .kinds import DatasetKind


@dataclass(frozen=True)
class DatasetChoice:
    """A location and the kind that reads it (``detected`` when no kind was named)."""

    kind: str
    location: str
    detected: bool


def split_kind_prefix(location: str, kinds: set[str]) -> tuple[str | None, str]:
    """``"coco:ann.json"`` -> ``("coco", "ann.json")`` when ``coco`` is an installed kind; else no kind."""
    prefix, sep, rest = location.partition(":")
    if sep and prefix in kinds and rest:
        return prefix, rest
    return None, location


def choose_dataset_kind(location: str, kind: str | None, registry: Registry) -> DatasetChoice:
    """The kind named (by ``kind`` or a ``KIND:`` prefix), else the first installed kind that detects the location."""
    installed = ", ".join(registry.datasets) or "none"
    prefixed, location = split_kind_prefix(location, set(registry.datasets))
    named = kind or prefixed
    if named is not None:
        registry.dataset(named)  # an unknown name is a one-line error listing the installed kinds
        return DatasetChoice(named, location, detected=False)
    if location == SAMPLE:
        return DatasetChoice("kaggle-food", SAMPLE, detected=True)
    path = Path(location).expanduser()
    if not path.exists():
        raise FoodcapError(
            f"dataset {location} does not exist (or pass --dataset sample; "
            f"for a non-file location name its kind: --dataset-kind NAME or KIND:{location}; "
            f"installed kinds: {installed})"
        )
    for name, entry in registry.datasets.items():
        if _detects(entry, path):
            return DatasetChoice(name, location, detected=True)
    raise FoodcapError(
        f"cannot tell which kind of dataset {location} is (installed kinds: {installed}); "
        f"name it with --dataset-kind NAME or KIND:{location}"
    )


def _detects(entry: Entry[type[DatasetKind]], path: Path) -> bool:
    try:
        return bool(entry.obj.detect(path))
    except OSError:
        return False


def open_dataset(
    location: str, registry: Registry, kind: str | None = None, options: DatasetOptions | dict[str, Any] | None = None
) -> RecipeDataset:
    """Read and clean a dataset of any installed kind."""
    choice = choose_dataset_kind(location, kind, registry)
    settings = options if isinstance(options, DatasetOptions) else validate(DatasetOptions, options or {})
    return registry.dataset(choice.kind).obj().load(choice.location, settings)
