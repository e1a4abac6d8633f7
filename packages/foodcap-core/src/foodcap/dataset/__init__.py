"""The dataset layer: the DatasetKind interface and built-in kinds (Kaggle layout, COCO, imagefolder, hf),
records and cleaning, deterministic splits, image decoding, and the split a run reads (``split_data``)."""

from .bundled_sample import SAMPLE, sample_root, sample_titles
from .cleaning_report import CleaningReport
from .image_files import UnreadableImage, check_image_file, open_rgb
from .kaggle_loader import load_kaggle_dataset
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
    "load_kaggle_dataset",
    "open_rgb",
    "sample_root",
    "sample_titles",
    "split_manifest",
]
