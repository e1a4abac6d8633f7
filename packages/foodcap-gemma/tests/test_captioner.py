"""Batched captioning on a tiny random Gemma 3: batches change nothing but speed, images matter."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch
from PIL import Image

from foodcap_gemma.captioner import GemmaCaptioner, GemmaOptions
from foodcap_vlm.titles import clean_title

PROMPTS = [
    "Title?",
    "What dish is this?",
    "Name the dish shown in this photo with its recipe title, in a few words and nothing else.",
    "Dish?",
    "Which recipe from a cooking website is this, by title?",
    "Name it.",
    "What would a recipe website call the food in this picture? Only the title, please.",
    "Recipe title only.",
]


def one_by_one(captioner: GemmaCaptioner, images: list[Image.Image]) -> list[list[int]]:
    preprocess = captioner.preprocessor()
    return [captioner.answers(preprocess([image]))[0] for image in images]


@pytest.fixture(scope="module")
def single(captioner: GemmaCaptioner, images: list[Image.Image]) -> list[list[int]]:
    return one_by_one(captioner, images)


def test_the_image_changes_the_answer(single: list[list[int]]) -> None:
    # Same prompt for all eight: any difference comes from the pixels. A model that ignored the
    # image (e.g. the zero-initialised projector) would give one answer eight times.
    assert len({tuple(row) for row in single}) >= 4
    assert all(len(row) > 1 for row in single)


@pytest.mark.parametrize("order", [[7, 6, 5, 4, 3, 2, 1, 0], [3, 0, 6, 1, 7, 2, 5, 4]])
def test_batch_of_eight_matches_one_by_one_in_any_order(
    captioner: GemmaCaptioner, images: list[Image.Image], single: list[list[int]], order: list[int]
) -> None:
    batch = captioner.preprocessor()([images[i] for i in order])
    assert captioner.answers(batch) == [single[i] for i in order]


def test_a_longer_prompt_with_a_system_turn_is_left_padded_and_matches_one_by_one(
    captioner: GemmaCaptioner, images: list[Image.Image]
) -> None:
    options = GemmaOptions(model="x", prompt=PROMPTS[2], system_prompt="You name dishes.")
    longer = GemmaCaptioner(
        options, captioner.model, captioner.processor, captioner.family, captioner.device, captioner.record
    )
    assert "You name dishes." in longer.preprocessor().text
    assert longer.answers(longer.preprocessor()(images)) == one_by_one(longer, images)
    # Mixed with the default prompt in one batch, the shorter rows must be padded, on the left.
    batches = longer.preprocessor()
    prompts = [longer.prompt(), captioner.prompt()] * (len(images) // 2)
    batch = batches.encode(prompts, images)
    assert (batch["attention_mask"] == 0).any() and (batch["attention_mask"][:, -1] == 1).all()
    assert longer.answers(batch) == [longer.answers(batches.encode([p], [i]))[0] for p, i in zip(prompts, images)]


def test_captions_are_the_cleaned_decoded_answers(captioner: GemmaCaptioner, images: list[Image.Image]) -> None:
    batch = captioner.preprocessor()(images)
    decoded = captioner.processor.batch_decode(captioner.answer_token_ids(batch), skip_special_tokens=True)
    assert captioner.caption(images) == [clean_title(text) for text in decoded]


def test_image_tokens_match_the_model(captioner: GemmaCaptioner, images: list[Image.Image]) -> None:
    config = captioner.model.config
    batch = captioner.preprocessor()(images[:2])
    assert (batch["input_ids"] == config.image_token_id).sum(dim=1).tolist() == [config.mm_tokens_per_image] * 2
    assert batch["pixel_values"].shape[-2:] == (config.vision_config.image_size,) * 2
    # image tokens are marked for Gemma's bidirectional image attention
    assert torch.equal(batch["token_type_ids"] == 1, batch["input_ids"] == config.image_token_id)


def test_greedy_even_when_the_checkpoint_samples(
    captioner: GemmaCaptioner, images: list[Image.Image], single: list[list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The -it checkpoints ship generation_config.json with do_sample=True, top_k=64, top_p=0.95.
    for key, value in {"do_sample": True, "top_k": 64, "top_p": 0.95, "temperature": 1.5}.items():
        monkeypatch.setattr(captioner.model.generation_config, key, value)
    batch = captioner.preprocessor()(images)
    assert captioner.answers(batch) == single
    assert captioner.answers(batch) == single


def test_generation_lengths_follow_the_options(captioner: GemmaCaptioner, images: list[Image.Image]) -> None:
    options = GemmaOptions(model="x", generation={"max_new_tokens": 5}, min_new_tokens=5)
    forced = GemmaCaptioner(
        options, captioner.model, captioner.processor, captioner.family, captioner.device, captioner.record
    )
    tokens = forced.answer_token_ids(forced.preprocessor()(images))
    assert tokens.shape == (len(images), 5)
    # min_new_tokens keeps the stop tokens out, so no row ends early
    assert not torch.isin(tokens, torch.tensor(forced.stop_token_ids)).any()


def test_prompt_option_reaches_the_model(captioner: GemmaCaptioner, images: list[Image.Image]) -> None:
    options = GemmaOptions(model="x", prompt="Describe the plate.")
    other = GemmaCaptioner(
        options, captioner.model, captioner.processor, captioner.family, captioner.device, captioner.record
    )
    text = other.preprocessor().text
    assert "Describe the plate." in text and text.endswith("<start_of_turn>model\n")
    assert (
        other.preprocessor()(images[:1])["input_ids"].shape != captioner.preprocessor()(images[:1])["input_ids"].shape
    )


def test_preprocessor_survives_pickling(captioner: GemmaCaptioner, images: list[Image.Image]) -> None:
    preprocess = captioner.preprocessor()
    copy = pickle.loads(pickle.dumps(preprocess))
    expected, got = preprocess(images[:3]), copy(images[:3])
    assert expected.keys() == got.keys()
    assert all(torch.equal(expected[key], got[key]) for key in expected)


def test_random_weights_tiny_equals_its_saved_folder(
    captioner: GemmaCaptioner, tiny_folder: Path, images: list[Image.Image], single: list[list[int]]
) -> None:
    # --random-weights tiny builds in memory; the fixture loaded the same weights from safetensors.
    built = GemmaCaptioner.load(GemmaOptions(random_weights="tiny", device="cpu"))
    assert one_by_one(built, images[:3]) == single[:3]
    assert built.caption(images[:3]) == captioner.caption(images[:3])
    assert sorted(p.suffix for p in tiny_folder.iterdir() if p.name.startswith("model")) == [".safetensors"]


def test_describe_records_options_and_dtype(captioner: GemmaCaptioner) -> None:
    described = captioner.describe()
    assert described["dtype"] == "float32"
    assert described["options"]["quantization"] == "none"
    assert described["options"]["prompt"] == captioner.options.prompt
