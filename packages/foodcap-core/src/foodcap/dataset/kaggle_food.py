"""``kaggle-food``: the Kaggle recipe CSV and its images, with the loader's own repairs (``#NAME?``...)."""

from __future__ import annotations

from pathlib import Path

from .bundled_sample import SAMPLE
from .kaggle_layout import CSV_NAME, IMAGES_DIR
from .kaggle_loader import load_kaggle_dataset
from .kinds import DatasetKind, DatasetOptions
from .recipe_dataset import RecipeDataset


class KaggleFood(DatasetKind):
    name = "kaggle-food"
    description = "Kaggle Food Ingredients and Recipe Dataset with Images: the recipe CSV and Food Images/."

    @classmethod
    def detect(cls, location: Path) -> bool:
        return str(location) == SAMPLE or (
            location.is_dir() and ((location / CSV_NAME).is_file() or (location / IMAGES_DIR).is_dir())
        )

    def load(self, location: str, options: DatasetOptions) -> RecipeDataset:
        return load_kaggle_dataset(location, workers=options.workers, allow_outside_root=options.allow_outside_root)
