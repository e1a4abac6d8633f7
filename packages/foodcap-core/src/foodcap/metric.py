"""The Metric interface: a corpus score plus one score per sample, computed at once or chunk by chunk."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

Dialect = Literal["coco", "hf"]


class MetricOptions(BaseModel):
    """Options shared by all metrics. ``dialect`` picks the reference implementation to agree with."""

    model_config = ConfigDict(extra="forbid")

    dialect: Dialect = "coco"


@dataclass(frozen=True)
class MetricScore:
    """A corpus-level score and the per-sample scores it came from (same order as the inputs)."""

    score: float
    per_sample: list[float] = field(default_factory=list)


class Metric(ABC):
    """A caption metric. ``references`` holds one list of reference captions per prediction."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True
    # True for metrics that look at the image: they subclass foodcap.ImageMetric (see image_metric.py).
    needs_images: ClassVar[bool] = False
    # A metric with settings of its own (weights, layer...) subclasses MetricOptions; users set them
    # with --metric-option NAME.KEY=VALUE or an [evaluation.metric_options.NAME] table.
    Options: ClassVar[type[MetricOptions]] = MetricOptions

    def __init__(self, options: MetricOptions | None = None) -> None:
        self.options = options or self.Options()

    @abstractmethod
    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        """Score the corpus."""

    def accumulator(self) -> MetricAccumulator:
        """A scorer fed the corpus in chunks (a run too large to hold). The default collects the chunks and
        calls ``compute`` once, so any metric works; metrics with sufficient statistics override it."""
        return CollectedCorpus(self)

    def statistics(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> NDArray[np.float64] | None:
        """Per-sample sufficient statistics, one row per sample, for confidence intervals and paired tests.

        ``score_from_statistics`` of the rows summed over the corpus must give ``compute``'s corpus score,
        and summed over a resample, that resample's score (sacrebleu's model). ``None``, the default, says
        the corpus score is the mean of the per-sample scores: each sample's score is then its statistic.
        """
        return None

    def score_from_statistics(self, totals: NDArray[np.float64]) -> float:
        """The corpus score from ``statistics`` summed over a corpus or a resample of it.

        The default reads the columns ``mean_statistics`` makes: (sum of per-sample scores, count).
        """
        return float(totals[0] / totals[1])

    @classmethod
    def missing_resources(cls) -> list[str]:
        """What this metric needs and cannot find (data, programs), one line each with its remedy.

        ``run``, ``train`` and ``sweep`` ask before any model loads, so a missing resource fails in
        seconds rather than after hours of captioning; ``foodcap doctor`` shows the same answer.
        """
        return []

    @classmethod
    def missing_resources_for(cls, options: MetricOptions) -> list[str]:
        """``missing_resources()`` for these options (a metric whose weights are an option overrides it)."""
        return cls.missing_resources()

    def signature(self) -> str | None:
        """What exactly was computed, for run.json (e.g. bert-score's hash); None for nothing to add."""
        return None


def mean_statistics(per_sample: Sequence[float]) -> NDArray[np.float64]:
    """The statistics of a metric whose corpus score is the mean: each sample's score beside a 1."""
    import numpy as np

    scores = np.asarray(per_sample, dtype=np.float64)
    return np.column_stack([scores, np.ones_like(scores)])


def check_corpus(predictions: Sequence[object], references: Sequence[object]) -> None:
    """Raise ValueError for mismatched lengths, an empty corpus or non-string captions."""
    if len(predictions) != len(references):
        raise ValueError(f"got {len(predictions)} predictions but {len(references)} reference lists")
    if not predictions:
        raise ValueError("cannot score an empty corpus (0 predictions, 0 references)")
    for index, (prediction, refs) in enumerate(zip(predictions, references)):
        if not isinstance(prediction, str):
            raise ValueError(f"prediction {index} is {type(prediction).__name__}, not str")
        if isinstance(refs, str) or not all(isinstance(r, str) for r in refs):  # type: ignore[attr-defined]
            raise ValueError(f"references {index} must be a list of str")
        if not refs:  # type: ignore[truthy-bool]
            raise ValueError(f"references {index} is empty")


class MetricAccumulator(ABC):
    """Scores a corpus that arrives in chunks, with the result ``Metric.compute`` gives on the whole.

    The caller may first pass every chunk's references to ``add_references`` (statistics over the
    whole reference set, such as CIDEr-D's document frequencies, or the corpus size), then each chunk
    of predictions with its references to ``update``, in the same order, then asks for ``result``.
    """

    def add_references(self, references: Sequence[Sequence[str]]) -> None:  # noqa: B027 - optional first pass
        """The first pass, over every chunk's references."""

    @abstractmethod
    def update(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> list[float] | None:
        """Take one chunk; return its per-sample scores, or None when they come with ``result``."""

    @abstractmethod
    def result(self) -> MetricScore:
        """The corpus score; ``per_sample`` holds the scores ``update`` did not return (else it is empty)."""


class CollectedCorpus(MetricAccumulator):
    """Holds the chunks and calls ``compute`` once: the default, which works for every metric."""

    def __init__(self, metric: Metric) -> None:
        self.metric = metric
        self.predictions: list[str] = []
        self.references: list[Sequence[str]] = []

    def update(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> None:
        self.predictions.extend(predictions)
        self.references.extend(references)
        return None

    def result(self) -> MetricScore:
        return self.metric.compute(self.predictions, self.references)
