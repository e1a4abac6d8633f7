"""Batched generation: a batch captions exactly like its images one at a time."""

from __future__ import annotations

import pytest

from foodcap import GenerationOptions
from foodcap_llama.freeze_policy import TrainAdapters


@pytest.fixture(scope="module")
def captioner(fresh_captioner, trainer, dishes):
    """Trained a little, so captions are words that depend on the image."""
    captioner = fresh_captioner(seed=1)
    TrainAdapters().apply(captioner)
    trainer(captioner, dishes(32, seed=10), steps=25)
    return captioner


@pytest.mark.parametrize("num_beams", [1, 3])
def test_a_batch_captions_like_one_image_at_a_time(captioner, dishes, num_beams):
    captioner.options.generation = GenerationOptions(num_beams=num_beams)
    images = [image for image, _ in dishes(6, seed=11)]
    batched = captioner.caption(images)
    alone = [captioner.caption([image])[0] for image in images]
    assert batched == alone
    assert len(set(batched)) > 1, "captions should depend on the image"
    assert all(caption and caption.split()[0].isalpha() for caption in batched)


def test_max_new_tokens_bounds_the_caption(captioner, dishes):
    images = [image for image, _ in dishes(3, seed=12)]
    captioner.options.generation = GenerationOptions(max_new_tokens=2)
    short = captioner.caption(images)
    captioner.options.generation = GenerationOptions()
    full = captioner.caption(images)
    tokenizer = captioner.text.tokenizer
    assert all(len(tokenizer(" " + caption, add_special_tokens=False)["input_ids"]) <= 2 for caption in short)
    assert short != full


def test_default_length_covers_every_title_training_keeps() -> None:
    """Titles are trained up to max_title_tokens; the default generation must not cut them shorter."""
    from foodcap_llama.captioner import GENERATION_DEFAULTS
    from foodcap_llama.options import LlamaLoraOptions

    assert GENERATION_DEFAULTS["max_new_tokens"] >= LlamaLoraOptions.model_fields["max_title_tokens"].default
