"""Every family on tiny random weights: batches change nothing but speed, images matter, few-shot is honest."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PIL import Image

from foodcap import FoodcapError
from foodcap.dataset import Sample
from foodcap.registry import get_registry
from foodcap_vlm.captioner import VlmCaptioner
from foodcap_vlm.prompting import TITLES_HEADER, Example, render_prompt

Tiny = Callable[..., VlmCaptioner]


def one_by_one(captioner: VlmCaptioner, images: list[Image.Image]) -> list[list[int]]:
    preprocess = captioner.preprocessor()
    return [captioner.answers(preprocess([image]))[0] for image in images]


def test_the_image_changes_the_answer(captioner: VlmCaptioner, images: list[Image.Image]) -> None:
    # Same prompt for all eight: any difference comes from the pixels. A model that ignored the
    # image (e.g. a zero-initialised projector) would give one answer eight times.
    single = one_by_one(captioner, images)
    assert len({tuple(row) for row in single}) >= 4, single


@pytest.mark.parametrize("order", [[7, 6, 5, 4, 3, 2, 1, 0], [3, 0, 6, 1, 7, 2, 5, 4]])
def test_batch_of_eight_matches_one_by_one_in_any_order(
    captioner: VlmCaptioner, images: list[Image.Image], order: list[int]
) -> None:
    single = one_by_one(captioner, images)
    batch = captioner.preprocessor()([images[i] for i in order])
    assert captioner.answers(batch) == [single[i] for i in order]
    assert (batch["attention_mask"][:, -1] == 1).all(), "padding must be on the left"
    if "image_grid_thw" in batch:  # Qwen2.5-VL: image tokens follow the photo's shape, so rows are padded
        assert (batch["attention_mask"] == 0).any()


def test_rows_of_different_lengths_are_left_padded_and_match_one_by_one(
    captioner: VlmCaptioner, images: list[Image.Image], splits: dict[str, list[Sample]]
) -> None:
    """Mutation guarded: caption batches padded on the right instead of the left (foodcap_vlm/batches.py).

    Every family's prompt is the same length for every photo (only Qwen2.5-VL's image tokens vary), so
    rows asked with 0, 1 or 3 example titles make a batch that must pad, in every family.
    """
    examples = [Example(sample.id, sample.title, None) for sample in splits["train"][:3]]
    options = captioner.options
    prompts = [
        render_prompt(
            captioner.processor, captioner.family, options.prompt, options.system_prompt, examples[:shots], "titles"
        )
        for shots in (0, 3, 1, 0)
    ]
    batches = captioner.preprocessor()
    batch = batches.encode(prompts, images[:4])
    assert (batch["attention_mask"] == 0).any(), "the rows differ in length, so some must be padded"
    assert (batch["attention_mask"][:, -1] == 1).all(), "padding must be on the left"
    single = [captioner.answers(batches.encode([prompt], [image]))[0] for prompt, image in zip(prompts, images)]
    assert len({len(row) for row in single}) > 1 or len({tuple(row) for row in single}) > 1
    assert captioner.answers(batch) == single


def test_few_shot_batch_matches_one_by_one(
    captioner: VlmCaptioner, images: list[Image.Image], splits: dict[str, list[Sample]], tiny: Tiny
) -> None:
    fmt = "titles" if captioner.family.images_per_prompt == 1 else "images"
    shots = tiny(captioner.family.model_type, shots=2, shot_format=fmt)
    shots.use_examples(splits["train"])
    single = one_by_one(shots, images[:4])
    assert shots.answers(shots.preprocessor()(images[:4][::-1])) == single[::-1]
    assert single != one_by_one(captioner, images[:4]), "the examples should change the prompt"


@pytest.mark.parametrize("shot_format", ["images", "titles"])
@pytest.mark.parametrize("shots", [1, 3])
def test_few_shot_prompt_holds_k_train_examples_and_none_from_the_evaluated_split(
    captioner: VlmCaptioner, splits: dict[str, list[Sample]], shots: int, shot_format: str, tiny: Tiny
) -> None:
    few = tiny(captioner.family.model_type, shots=shots, shot_format=shot_format)
    few.use_examples(splits["train"])
    if shot_format == "images" and captioner.family.images_per_prompt == 1:
        with pytest.raises(FoodcapError, match="shot_format=titles"):
            few.preprocessor()
        return
    text = few.preprocessor().text
    train_titles = {sample.title for sample in splits["train"]}
    test_titles = {sample.title for sample in splits["test"]} - train_titles
    chosen = [example.title for example in few.examples or []]
    assert len(chosen) == shots and set(chosen) <= train_titles
    assert all(text.count(title) >= 1 for title in chosen)
    assert not any(title in text for title in test_titles)
    batch = few.preprocessor()([Image.new("RGB", (40, 30))])
    image_id = few.base_model.config.image_token_id
    image_tokens = int((batch["input_ids"] == image_id).sum())
    zero_shot_tokens = int((captioner.preprocessor()([Image.new("RGB", (40, 30))])["input_ids"] == image_id).sum())
    images_in_prompt = shots + 1 if shot_format == "images" else 1  # K example photos plus the one asked about
    if "image_grid_thw" in batch:  # Qwen2.5-VL: tokens follow each photo's own size, one grid per image
        assert batch["image_grid_thw"].shape[0] == images_in_prompt
    else:
        assert image_tokens == images_in_prompt * zero_shot_tokens
    if shot_format == "images":
        assert [e.image is not None for e in few.examples or []] == [True] * shots
    else:
        assert TITLES_HEADER in text
    # Deterministic by seed, and another seed picks others.
    again = tiny(captioner.family.model_type, shots=shots, shot_format=shot_format)
    again.use_examples(splits["train"])
    assert [e.id for e in again.examples or []] == [e.id for e in few.examples or []]
    other = tiny(captioner.family.model_type, shots=shots, shot_format=shot_format, shot_seed=1)
    other.use_examples(splits["train"])
    assert [e.id for e in other.examples or []] != [e.id for e in few.examples or []]


def test_few_shot_without_a_train_split_is_refused(captioner: VlmCaptioner, tiny: Tiny) -> None:
    few = tiny(captioner.family.model_type, shots=2, shot_format="titles")
    with pytest.raises(FoodcapError, match="never the split the examples come from"):
        few.use_examples([])
    with pytest.raises(FoodcapError, match="use_examples"):
        few.preprocessor()


@pytest.mark.parametrize(
    ("name", "model", "family"),
    [
        ("qwen2.5-vl-3b", "Qwen/Qwen2.5-VL-3B-Instruct", "qwen2_5_vl"),
        ("qwen2.5-vl-7b", "Qwen/Qwen2.5-VL-7B-Instruct", "qwen2_5_vl"),
        ("smolvlm-256m", "HuggingFaceTB/SmolVLM-256M-Instruct", "idefics3"),
        ("paligemma2-3b", "google/paligemma2-3b-mix-224", "paligemma"),
        ("vlm", None, None),
    ],
)
def test_presets_are_registered_through_the_entry_point(name: str, model: str | None, family: str | None) -> None:
    registry = get_registry()
    entry = registry.captioner(name)
    assert entry.obj is VlmCaptioner and entry.source.distribution == "foodcap-vlm"
    options = registry.captioner_options(name, {"shots": "2"})
    assert (options.model, options.family, options.shots) == (model, family, 2)  # type: ignore[attr-defined]
    assert registry.freeze_policy(VlmCaptioner.default_freeze_policy).source.distribution == "foodcap-core"


def test_training_batch_marks_answer_tokens_as_the_family_wants(
    captioner: VlmCaptioner, images: list[Image.Image]
) -> None:
    """Mutation guarded: the answer's token_type_ids left 0 (TitleCollator, foodcap_vlm/batches.py). PaliGemma
    marks its answer 1, the causal part of its prefix-LM mask; Gemma 3 marks only image tokens."""
    batch = captioner.training_collator()(images[:2], ["Roast chicken", "Pea soup with fresh mint and lemon"])
    answer = batch["labels"] != -100
    assert (batch["attention_mask"][answer] == 1).all() and (batch["attention_mask"] == 0).any()  # rows padded
    if "token_type_ids" in batch:
        assert (batch["token_type_ids"][answer] == captioner.family.answer_token_type).all()
    assert captioner.family.model_type != "paligemma" or "token_type_ids" in batch
    per_token = {key for key, value in batch.items() if value.shape == batch["input_ids"].shape}
    for key in per_token - {"input_ids", "labels", "attention_mask", "token_type_ids"}:  # Qwen's mm_token_type_ids
        assert (batch[key][answer] == 0).all(), key  # answer tokens are text
