"""Metrics that look at the image (CLIPScore, a VLM judge): fed decoded images batch by batch.

Scoring decodes each scored image once, in the batch loader's workers with the same RGB/EXIF
handling as captioning, and hands every image metric the same batches. So a metric never opens a
file, two image metrics never decode twice, and no more than a few batches of images are in memory.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from .metric import Metric, MetricScore, check_corpus

if TYPE_CHECKING:
    from PIL.Image import Image


class ImagePass(ABC):
    """One scoring pass of an image metric over a corpus: batches arrive in corpus order, then ``finish``."""

    @abstractmethod
    def add_batch(
        self, images: Sequence[Image], predictions: Sequence[str], references: Sequence[Sequence[str]]
    ) -> None:
        """Take the next images (RGB), with their captions and references."""

    @abstractmethod
    def finish(self) -> MetricScore:
        """The corpus score, with one per-sample score per image added, in order."""


class ImageMetric(Metric):
    """A metric that needs the image of each caption: subclass it and implement ``image_pass``."""

    needs_images: ClassVar[bool] = True

    @abstractmethod
    def image_pass(self) -> ImagePass:
        """A fresh pass (scoring asks for one per corpus it scores, on the same metric object)."""

    def compute(
        self, predictions: Sequence[str], references: Sequence[Sequence[str]], images: Sequence[Image] | None = None
    ) -> MetricScore:
        """Score a corpus whose images are already decoded, in one batch (the Python API, tests)."""
        if images is None:
            raise ValueError(f"{self.name} scores captions against their images, and no images were given")
        check_corpus(predictions, references)
        if len(images) != len(predictions):
            raise ValueError(f"got {len(predictions)} predictions but {len(images)} images")
        scoring = self.image_pass()
        scoring.add_batch(images, predictions, references)
        return scoring.finish()
