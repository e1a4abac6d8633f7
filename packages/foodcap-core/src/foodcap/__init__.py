"""foodcap: caption, fine-tune and fairly compare image captioners on food images.

``import foodcap`` is cheap: everything that needs torch or transformers (captioners, the
runner, the trainer) is imported on first use of the name, through ``__getattr__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import FoodcapError
from .hookspecs import hookimpl
from .lazy_names import lazy_names
from .version import __version__

# name -> module that defines it, imported when the name is first used.
_LAZY = {
    **dict.fromkeys(
        ("Batch", "Captioner", "ImagePreprocessor", "TrainableCaptioner", "TrainingCollator"), ".captioner"
    ),
    **dict.fromkeys(("CaptionerOptions", "GenerationOptions"), ".captioner_options"),
    **dict.fromkeys(("FreezeComponents", "FreezePolicy", "parameter_counts"), ".freeze"),
    **dict.fromkeys(("Metric", "MetricOptions", "MetricScore", "check_corpus"), ".metric"),
    **dict.fromkeys(("ImageMetric", "ImagePass"), ".image_metric"),
    **dict.fromkeys(("DatasetKind", "DatasetOptions"), ".dataset.kinds"),
    **dict.fromkeys(("DatasetRecord", "SkippedRow"), ".dataset.records"),
    **dict.fromkeys(("RecipeDataset", "Sample"), ".dataset.recipe_dataset"),
    **dict.fromkeys(
        (
            "captioner_settings",
            "check",
            "compare",
            "load_captioner",
            "load_dataset",
            "merge",
            "report",
            "run",
            "score",
            "sweep",
            "train",
            "RunSummary",
            "SweepSummary",
            "TrainSummary",
            "Scores",
        ),
        ".api",
    ),
}

__all__ = [
    "Batch",
    "Captioner",
    "CaptionerOptions",
    "captioner_settings",
    "check",
    "check_corpus",
    "compare",
    "DatasetKind",
    "DatasetOptions",
    "DatasetRecord",
    "FoodcapError",
    "FreezeComponents",
    "FreezePolicy",
    "GenerationOptions",
    "hookimpl",
    "ImageMetric",
    "ImagePass",
    "ImagePreprocessor",
    "load_captioner",
    "load_dataset",
    "merge",
    "Metric",
    "MetricOptions",
    "MetricScore",
    "parameter_counts",
    "RecipeDataset",
    "report",
    "run",
    "RunSummary",
    "Sample",
    "score",
    "Scores",
    "SkippedRow",
    "sweep",
    "SweepSummary",
    "train",
    "TrainableCaptioner",
    "TrainingCollator",
    "TrainSummary",
    "__version__",
]


__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)


if TYPE_CHECKING:
    from .api import (
        RunSummary,
        Scores,
        SweepSummary,
        TrainSummary,
        captioner_settings,
        check,
        compare,
        load_captioner,
        load_dataset,
        merge,
        report,
        run,
        score,
        sweep,
        train,
    )
    from .captioner import Batch, Captioner, ImagePreprocessor, TrainableCaptioner, TrainingCollator
    from .captioner_options import CaptionerOptions, GenerationOptions
    from .dataset.kinds import DatasetKind, DatasetOptions
    from .dataset.recipe_dataset import RecipeDataset, Sample
    from .dataset.records import DatasetRecord, SkippedRow
    from .freeze import FreezeComponents, FreezePolicy, parameter_counts
    from .image_metric import ImageMetric, ImagePass
    from .metric import Metric, MetricOptions, MetricScore, check_corpus
