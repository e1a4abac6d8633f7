"""CLIPScore and RefCLIPScore (Hessel et al. 2021), and torchmetrics' CLIPScore as the ``hf`` dialect.

``coco`` (Hessel et al., the captioning papers' numbers), per image: ``2.5 * max(cos(image, caption), 0)``
with the caption prompted as "A photo depicts <caption>"; the corpus score is the mean.
RefCLIPScore is the harmonic mean of that and ``max(max over references of cos(caption, reference), 0)``
(references prompted too). ``hf`` (torchmetrics' ``CLIPScore``): per image ``100 * cos`` of the bare
caption, and the corpus score ``max(mean, 0)``: clamped once, not per image. RefCLIPScore has only
Hessel's definition; its signature says so whatever the dialect.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from foodcap import ImageMetric, ImagePass, MetricOptions, MetricScore

from .weights import ModelMetricOptions, missing_weights, options_of, weights_location

if TYPE_CHECKING:  # torch and transformers load only when scoring
    import numpy as np
    from numpy.typing import NDArray
    from PIL.Image import Image

    from .clip_model import ClipEncoder

W = 2.5  # Hessel et al.'s rescaling of the cosine
PREFIX = "A photo depicts "  # their prompt; their code adds the space


class ClipScoreOptions(ModelMetricOptions):
    model: str = Field("openai/clip-vit-base-patch32", description="CLIP weights: hub id (local cache) or folder.")


def prompted(captions: Sequence[str]) -> list[str]:
    return [PREFIX + caption for caption in captions]


class _ClipMetric(ImageMetric):
    Options: ClassVar[type[MetricOptions]] = ClipScoreOptions

    @classmethod
    def missing_resources_for(cls, options: MetricOptions) -> list[str]:
        return missing_weights(cls.name, options_of(options, ClipScoreOptions).model)

    def encoder(self) -> ClipEncoder:
        from .clip_model import ClipEncoder

        options = options_of(self.options, ClipScoreOptions)
        return ClipEncoder.load(options.model, options.device)

    def batch_size(self) -> int:
        return int(options_of(self.options, ClipScoreOptions).batch_size)


class ClipScore(_ClipMetric):
    """How well each caption fits its image, with no reference (CLIP's image-text cosine)."""

    name = "clipscore"
    description = "CLIPScore: image-caption agreement under CLIP (coco: Hessel et al.; hf: torchmetrics)"

    def image_pass(self) -> ImagePass:
        return _ClipScorePass(self.encoder(), self.batch_size(), self.options.dialect == "hf")

    def score_from_statistics(self, totals: NDArray[np.float64]) -> float:
        """The mean of the per-image scores, clamped at 0 in the hf dialect (for intervals and paired tests)."""
        mean = float(totals[0] / totals[1])
        return max(mean, 0.0) if self.options.dialect == "hf" else mean

    def signature(self) -> str:
        model = weights_location(options_of(self.options, ClipScoreOptions).model)
        if self.options.dialect == "hf":
            return f"clipscore|torchmetrics|100*cos|mean clamped at 0|model:{model}"
        return f"clipscore|hessel2021|w:{W}|prefix:{PREFIX.strip()}|clamp per image|model:{model}"


class _ClipScorePass(ImagePass):
    def __init__(self, encoder: ClipEncoder, batch_size: int, torchmetrics: bool) -> None:
        self.encoder, self.batch_size, self.torchmetrics = encoder, batch_size, torchmetrics
        self.per_sample: list[float] = []

    def add_batch(
        self, images: Sequence[Image], predictions: Sequence[str], references: Sequence[Sequence[str]]
    ) -> None:
        texts = list(predictions) if self.torchmetrics else prompted(predictions)
        cosines = (
            self.encoder.image_features(images, self.batch_size)
            * self.encoder.text_features(texts, not self.torchmetrics, self.batch_size)
        ).sum(-1)
        scores = 100 * cosines if self.torchmetrics else W * cosines.clamp(min=0)
        self.per_sample += scores.tolist()

    def finish(self) -> MetricScore:
        mean = math.fsum(self.per_sample) / len(self.per_sample) if self.per_sample else 0.0
        return MetricScore(max(mean, 0.0) if self.torchmetrics else mean, self.per_sample)


class RefClipScore(_ClipMetric):
    """CLIPScore combined with the caption's closest reference under CLIP (Hessel et al.'s RefCLIP-S)."""

    name = "refclipscore"
    description = "RefCLIPScore: harmonic mean of CLIPScore and the best reference's CLIP cosine (Hessel et al.)"

    def image_pass(self) -> ImagePass:
        return _RefClipScorePass(self.encoder(), self.batch_size())

    def signature(self) -> str:
        model = weights_location(options_of(self.options, ClipScoreOptions).model)
        return f"refclipscore|hessel2021|w:{W}|prefix:{PREFIX.strip()}|clamp per image|model:{model}"


class _RefClipScorePass(_ClipScorePass):
    def __init__(self, encoder: ClipEncoder, batch_size: int) -> None:
        super().__init__(encoder, batch_size, torchmetrics=False)

    def add_batch(
        self, images: Sequence[Image], predictions: Sequence[str], references: Sequence[Sequence[str]]
    ) -> None:
        captions = self.encoder.text_features(prompted(predictions), True, self.batch_size)
        clip_s = W * (self.encoder.image_features(images, self.batch_size) * captions).sum(-1).clamp(min=0)
        flat = [reference for refs in references for reference in refs]
        reference_features = self.encoder.text_features(prompted(flat), True, self.batch_size)
        start = 0
        for index, refs in enumerate(references):
            best = (reference_features[start : start + len(refs)] @ captions[index]).max().clamp(min=0)
            start += len(refs)
            both = float(clip_s[index]) + float(best)
            self.per_sample.append(2 * float(clip_s[index]) * float(best) / both if both > 0 else 0.0)
