"""foodcap: caption, fine-tune and fairly compare image captioners on food images."""

from .captioner import (
    Batch,
    Captioner,
    CaptionerOptions,
    GenerationOptions,
    ImagePreprocessor,
    TrainableCaptioner,
    TrainingCollator,
)
from .errors import FoodcapError
from .freeze import FreezeComponents, FreezePolicy, parameter_counts
from .hookspecs import hookimpl
from .metric import Metric, MetricOptions, MetricScore, check_corpus
from .version import __version__

__all__ = [
    "Batch",
    "Captioner",
    "CaptionerOptions",
    "FoodcapError",
    "FreezeComponents",
    "FreezePolicy",
    "GenerationOptions",
    "ImagePreprocessor",
    "Metric",
    "MetricOptions",
    "MetricScore",
    "TrainableCaptioner",
    "TrainingCollator",
    "__version__",
    "check_corpus",
    "hookimpl",
    "parameter_counts",
]
