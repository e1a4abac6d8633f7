"""The dataset layer: Kaggle-layout loading and cleaning, deterministic splits, image decoding."""

from .bundled_sample import SAMPLE, sample_root, sample_titles
from .cleaning_report import CleaningReport
from .image_files import UnreadableImage, check_image_file, open_rgb
from .loading import load_dataset
from .recipe_dataset import RecipeDataset, Sample
from .splits import SPLITS, SplitManifest, split_manifest

__all__ = [
    "SAMPLE",
    "SPLITS",
    "CleaningReport",
    "RecipeDataset",
    "Sample",
    "SplitManifest",
    "UnreadableImage",
    "check_image_file",
    "load_dataset",
    "open_rgb",
    "sample_root",
    "sample_titles",
    "split_manifest",
]
