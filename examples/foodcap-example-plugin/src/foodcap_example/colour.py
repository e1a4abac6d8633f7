"""The example's captioner (names an image's dominant colour) and metric (exact match)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from PIL.Image import Image
from pydantic import Field

from foodcap import Batch, Captioner, CaptionerOptions, Metric, MetricScore, check_corpus

COLOURS = {
    "red": (200, 40, 40),
    "orange": (230, 140, 30),
    "yellow": (230, 210, 60),
    "green": (60, 160, 60),
    "brown": (130, 80, 40),
    "white": (235, 235, 230),
    "purple": (120, 50, 140),
    "black": (20, 20, 20),
}


class ColourOptions(CaptionerOptions):
    template: str = Field("{colour} dish", description="Caption template; {colour} is replaced.")


class MeanColour:
    """The preprocessor: mean RGB of each image. Runs in DataLoader workers, so it is a plain class."""

    def __call__(self, images: list[Image]) -> Batch:
        means = [
            torch.tensor(np.asarray(image.resize((32, 32))), dtype=torch.float32).reshape(-1, 3).mean(0)
            for image in images
        ]
        return {"mean_rgb": torch.stack(means)}


class DominantColourCaptioner(Captioner):
    name = "dominant-colour"
    description = "Names the image's average colour (an example plugin, no model weights)."
    Options = ColourOptions

    @classmethod
    def load(cls, options: CaptionerOptions) -> DominantColourCaptioner:
        return cls(options)

    def preprocessor(self) -> MeanColour:
        return MeanColour()

    def generate(self, inputs: Batch) -> list[str]:
        names = list(COLOURS)
        palette = torch.tensor([COLOURS[name] for name in names], dtype=torch.float32)
        nearest = torch.cdist(inputs["mean_rgb"], palette).argmin(dim=1)
        template = self.options.template  # type: ignore[attr-defined]
        return [template.format(colour=names[i]).capitalize() for i in nearest.tolist()]


class ExactMatch(Metric):
    name = "exact-match"
    description = "Share of captions equal to a reference, ignoring case and surrounding spaces."

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        check_corpus(predictions, references)
        per_sample = [
            float(any(p.strip().lower() == r.strip().lower() for r in refs)) for p, refs in zip(predictions, references)
        ]
        return MetricScore(sum(per_sample) / len(per_sample), per_sample)
