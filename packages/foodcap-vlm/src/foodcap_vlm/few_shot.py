"""Few-shot examples: K (image, title) pairs drawn from the train split, the same for every image."""

from __future__ import annotations

import random
from collections.abc import Sequence

from PIL.Image import Image

from foodcap import FoodcapError, Sample
from foodcap.backend import UnreadableImage, open_rgb

from .prompting import Example, ShotFormat


def choose_examples(pool: Sequence[Sample], shots: int, seed: int, shot_format: ShotFormat) -> list[Example]:
    """``shots`` samples of ``pool`` picked by ``seed`` (the same pool and seed give the same ones)."""
    if not pool:
        raise FoodcapError(
            f"shots={shots} takes its examples from the train split, which is not available here: caption "
            "--split val or test (never the split the examples come from), or set shots=0"
        )
    if shots > len(pool):
        raise FoodcapError(f"shots={shots} asks for more examples than the train split's {len(pool)} images")
    chosen = random.Random(seed).sample(list(pool), shots)
    return [Example(sample.id, sample.title, _image(sample) if shot_format == "images" else None) for sample in chosen]


def _image(sample: Sample) -> Image:
    try:
        return open_rgb(sample.image)[0]
    except UnreadableImage as error:
        raise FoodcapError(
            f"few-shot example {sample.id} has an unreadable image ({error}); pick others with -o shot_seed=N"
        ) from error
