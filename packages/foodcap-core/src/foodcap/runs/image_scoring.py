"""Scoring image metrics: every scored image decoded once, in the batch loader's workers, and fed to each.

Imported by scoring.py only when an image metric is chosen, so text-only scoring never touches torch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

from PIL.Image import Image

from ..batches.loading import DecodedBatch, batch_loader, decode_all
from ..config import DataConfig
from ..dataset import Sample
from ..dataset.recipe_dataset import ImageSource
from ..dataset.shard_images import ShardImage
from ..image_metric import ImageMetric, ImagePass
from ..metric import MetricScore

T = TypeVar("T")


@dataclass
class ImageScores:
    """What each image metric gave: its result, or why it failed; and the seconds it took."""

    results: dict[str, MetricScore] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class ScoringBatch(DecodedBatch):
    """A decoded batch whose images stay as images (no model inputs): what image metrics are fed."""

    images: list[Image] = field(default_factory=list)


class ScoringCollate:
    """Worker-side collate for scoring: decode to RGB exactly as captioning does, nothing more."""

    def __call__(self, samples: list[Sample]) -> ScoringBatch:
        kept, images, failures, repairs = decode_all(samples)
        return ScoringBatch(kept, {}, failures, repairs, images)


class _Passes:
    """The running passes of the chosen image metrics; one that raises is dropped with its reason."""

    def __init__(self, metrics: Sequence[ImageMetric], scores: ImageScores) -> None:
        self.scores = scores
        self.running: dict[str, ImagePass] = {}
        for metric in metrics:
            started = self.attempt(metric.name, metric.image_pass)
            if started is not None:
                self.running[metric.name] = started

    def attempt(self, name: str, action: Callable[[], T]) -> T | None:
        """``action()``, timed under ``name``; None (and ``name`` failed) if it raised."""
        started = time.perf_counter()
        try:
            result = action()
        except Exception as error:  # noqa: BLE001 - one failing metric must not lose the others' scores
            self.fail(name, f"{type(error).__name__}: {error}")
            return None
        finally:
            self.scores.seconds[name] = self.scores.seconds.get(name, 0.0) + time.perf_counter() - started
        return result

    def fail(self, name: str, reason: str) -> None:
        self.scores.failures[name] = reason
        self.running.pop(name, None)
        self.scores.seconds.pop(name, None)


def score_images(
    metrics: Sequence[ImageMetric],
    predictions: Sequence[str],
    references: Sequence[Sequence[str]],
    images: Sequence[ImageSource],
    data: DataConfig,
) -> ImageScores:
    """Each metric's score over the corpus, or its failure; an image that no longer decodes fails them all."""
    scores = ImageScores()
    passes = _Passes(metrics, scores)
    samples = [
        Sample(str(index), path if isinstance(path, ShardImage) else Path(path), tuple(refs))
        for index, (path, refs) in enumerate(zip(images, references))
    ]
    loader = batch_loader(
        samples, ScoringCollate(), data.batch_size, data.num_workers, prefetch_bytes=data.prefetch_mb * 2**20
    )
    for batch in loader:
        if not passes.running:  # every image metric has failed: stop decoding
            break
        if batch.failures:  # it decoded while captioning; leaving it out would misalign the per-sample scores
            sample, reason = batch.failures[0]
            for name in list(passes.running):
                passes.fail(name, f"image {sample.image} could not be decoded for scoring ({reason})")
            break
        indices = [int(sample.id) for sample in batch.samples]
        captions, refs = [predictions[i] for i in indices], [references[i] for i in indices]
        decoded = cast(ScoringBatch, batch).images
        for name, scoring in list(passes.running.items()):
            passes.attempt(name, partial(scoring.add_batch, decoded, captions, refs))
    for name, scoring in list(passes.running.items()):
        result: MetricScore | None = passes.attempt(name, scoring.finish)
        if result is None:
            continue
        if len(result.per_sample) != len(predictions):
            passes.fail(name, f"gave {len(result.per_sample)} per-sample scores for {len(predictions)} captions")
            continue
        scores.results[name] = result
    return scores
