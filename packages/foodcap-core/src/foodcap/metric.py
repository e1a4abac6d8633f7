"""The Metric interface: a corpus score plus one score per sample, computed at once or chunk by chunk."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

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

    def __init__(self, options: MetricOptions | None = None) -> None:
        self.options = options or MetricOptions()

    @abstractmethod
    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        """Score the corpus."""

    def accumulator(self) -> MetricAccumulator:
        """A scorer fed the corpus in chunks (a run too large to hold). The default collects the chunks and
        calls ``compute`` once, so any metric works; metrics with sufficient statistics override it."""
        return CollectedCorpus(self)

    @classmethod
    def missing_resources(cls) -> list[str]:
        """What this metric needs and cannot find (data, programs), one line each with its remedy.

        ``run``, ``train`` and ``sweep`` ask before any model loads, so a missing resource fails in
        seconds rather than after hours of captioning; ``foodcap doctor`` shows the same answer.
        """
        return []


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
