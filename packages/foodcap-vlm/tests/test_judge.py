"""The judge metric on tiny random weights: its score is the model's own P(yes), batch-invariant, image-grounded, recorded."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
from PIL import Image

from foodcap import Batch, Captioner, CaptionerOptions, FoodcapError, ImagePreprocessor, hookimpl
from foodcap.plugins import register_plugin, unregister_plugin
from foodcap.registry import reset_registry
from foodcap_vlm.families import FAMILIES
from foodcap_vlm.judge.metric import VlmJudge
from foodcap_vlm.judge.options import JudgeOptions
from foodcap_vlm.judge.prompts import PROMPTS, judge_prompt
from foodcap_vlm.random_weights import save_random

CAPTIONS = ["Soup", "Pan-seared salmon with lemon butter and a side of buttered new potatoes", "Lemon tart"]
REFERENCES = [["Tomato Soup"], ["Lemony Salmon"], ["Lemon Tart with Berries", "Berry Lemon Tart"]]
CHAT_PRESETS = ["smolvlm-256m", "qwen2.5-vl-3b", "gemma-3-4b"]
PRESETS = [*CHAT_PRESETS, "paligemma2-3b"]
_judges: dict[tuple[str, str], VlmJudge] = {}


def tiny_judge(preset: str = "smolvlm-256m", mode: str = "dish", **options: object) -> VlmJudge:
    """A tiny random-weight judge on the CPU in float32, built once per (preset, mode) unless options differ."""
    if options:
        return VlmJudge(
            JudgeOptions.model_validate(
                {
                    "model": preset,
                    "mode": mode,
                    "random_weights": "tiny",
                    "device": "cpu",
                    "dtype": "float32",
                    **options,
                }
            )
        )
    if (preset, mode) not in _judges:
        _judges[preset, mode] = tiny_judge(preset, mode, batch_size=16)
    return _judges[preset, mode]


def direct_yes_probability(judge: VlmJudge, question: str, image: Image.Image) -> float:
    """P(yes) / (P(yes) + P(no)) from one unpadded forward pass: the chat template and processor used by hand."""
    judged = judge.model
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}]
    text = judged.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    inputs = judged.processor(text=[text], images=[[image]], return_tensors="pt", add_special_tokens=False)
    assert int(inputs["attention_mask"].min()) == 1  # one prompt: nothing to pad
    with torch.no_grad():
        logits = judged.model(**inputs).logits[0, -1]
    probabilities = torch.softmax(logits.double(), dim=-1)
    yes = float(probabilities[list(judged.answers.yes)].sum())
    no = float(probabilities[list(judged.answers.no)].sum())
    return yes / (yes + no)


@pytest.mark.parametrize("preset", CHAT_PRESETS)
def test_the_score_is_the_models_own_probability_of_yes(preset: str, images: list[Image.Image]) -> None:
    judge = tiny_judge(preset)
    result = judge.compute(CAPTIONS, REFERENCES, images[:3])
    prompt = judge_prompt("dish")
    expected = [
        direct_yes_probability(judge, prompt.question(c, r), image) for c, r, image in zip(CAPTIONS, REFERENCES, images)
    ]
    assert result.per_sample == pytest.approx(expected, abs=1e-5)
    assert result.score == pytest.approx(sum(expected) / len(expected), abs=1e-5)
    # The answer tokens are spellings of yes and of no (a tiny tokenizer's first pieces of them).
    tokenizer = judge.model.processor.tokenizer
    assert {tokenizer.decode([t]).strip().lower() for t in judge.model.answers.yes} <= {"y", "yes"}
    assert {tokenizer.decode([t]).strip().lower() for t in judge.model.answers.no} <= {"n", "no"}


@pytest.mark.parametrize("preset", PRESETS)
def test_a_caption_scores_the_same_in_any_batch(preset: str, images: list[Image.Image]) -> None:
    captions = [*CAPTIONS, "Chocolate mousse", "A bowl of pea soup with mint, cream and croutons on a wooden table"]
    references = [*REFERENCES, ["Chocolate Mousse"], ["Pea Soup"]]
    judge = tiny_judge(preset)
    batch = judge.model.inputs([judge.options.prompt.question(c, r) for c, r in zip(captions, references)], images[:5])
    padding = (batch["attention_mask"] == 0).sum(dim=1)
    assert padding.max() > 0 and len(set(padding.tolist())) > 2, "the prompts should differ in length, so rows pad"
    assert (batch["attention_mask"][:, -1] == 1).all(), "padding must be on the left"
    together = judge.compute(captions, references, images[:5]).per_sample
    one_by_one = tiny_judge(preset, batch_size=1).compute(captions, references, images[:5]).per_sample
    in_pairs = tiny_judge(preset, batch_size=2).compute(captions[::-1], references[::-1], images[:5][::-1]).per_sample
    assert together == pytest.approx(one_by_one, abs=1e-5)
    assert together == pytest.approx(in_pairs[::-1], abs=1e-5)


def test_the_image_and_the_caption_both_change_the_score(images: list[Image.Image]) -> None:
    judge = tiny_judge()
    same_text = judge.compute(["Lemon tart"] * 6, [["Lemon Tart"]] * 6, images[:6]).per_sample
    assert len({round(score, 5) for score in same_text}) >= 4, same_text
    same_image = judge.compute(CAPTIONS, [["Lemon Tart"]] * 3, [images[0]] * 3).per_sample
    assert len({round(score, 5) for score in same_image}) == 3, same_image


def test_image_mode_ignores_the_references(images: list[Image.Image]) -> None:
    judge = tiny_judge(mode="image")
    assert "{references}" not in judge.options.prompt.template
    own = judge.compute(CAPTIONS, REFERENCES, images[:3]).per_sample
    swapped = judge.compute(CAPTIONS, REFERENCES[::-1], images[:3]).per_sample
    assert own == swapped
    dish = tiny_judge().compute(CAPTIONS, REFERENCES, images[:3]).per_sample
    assert dish != own  # another question, another verdict


def signature_fields(signature: str) -> dict[str, str]:
    """A judge's signature as fields: ``key:value`` joined by ``|``, the prompt last, as JSON."""
    head, _, prompt = signature.partition("|prompt:")
    fields = dict(field.split(":", 1) for field in head.split("|"))
    return {**fields, "prompt": json.loads(prompt)}


def test_the_prompt_is_recorded_with_its_version(images: list[Image.Image], caplog: pytest.LogCaptureFixture) -> None:
    judge = tiny_judge("qwen2.5-vl-3b", mode="image")
    before = signature_fields(judge.signature())  # known before any loading, from the options
    assert (before["judge"], before["prompt"]) == ("image-v1", judge_prompt("image", 1).template)
    with caplog.at_level(logging.WARNING, logger="foodcap"):
        judge.compute(CAPTIONS, REFERENCES, images[:3])
    fields = signature_fields(judge.signature())
    assert (fields["judge"], fields["prompt"]) == ("image-v1", judge_prompt("image", 1).template)
    assert (fields["model"], fields["family"], fields["random_weights"]) == ("qwen2.5-vl-3b", "qwen2_5_vl", "tiny")
    assert fields["yes"] and fields["no"] and fields["score"] == "P(yes)/(P(yes)+P(no))"
    # A random judge puts little of its probability on yes or no: the run says so.
    assert judge.last_verdicts is not None and max(judge.last_verdicts.mass) < 0.5
    assert "of the judge's probability fell on yes or no" in caplog.text
    # Every mode's latest question is the default, and an unknown version is refused with the ones there are.
    assert {prompt.mode for prompt in PROMPTS} == {"dish", "image"}
    with pytest.raises(ValueError, match="version"):
        JudgeOptions(mode="dish", prompt_version=99)


def test_a_presets_signature_names_the_weights_it_stands_for() -> None:
    fields = signature_fields(VlmJudge(JudgeOptions(model="qwen2.5-vl-7b")).signature())  # nothing loads
    assert (fields["judge"], fields["model"], fields["weights"]) == (
        "dish-v1",
        "qwen2.5-vl-7b",
        "Qwen/Qwen2.5-VL-7B-Instruct",
    )
    assert "random_weights" not in fields


def test_several_references_are_all_shown_to_the_judge() -> None:
    question = judge_prompt("dish").question("Berry tart", ["Lemon Tart with Berries", "Berry Lemon Tart"])
    assert "- Lemon Tart with Berries\n- Berry Lemon Tart" in question and "Berry tart" in question


def test_a_judge_needs_one_image_per_caption(images: list[Image.Image]) -> None:
    with pytest.raises(ValueError, match="3 predictions but 2 images"):
        tiny_judge().compute(CAPTIONS, REFERENCES, images[:2])


def test_a_saved_judge_loads_through_from_pretrained_and_judges_like_the_built_one(
    tmp_path: Path, images: list[Image.Image]
) -> None:
    folder = save_random(FAMILIES["idefics3"].random_builder, "tiny", tmp_path / "judge")
    loaded = VlmJudge(JudgeOptions(model=str(folder), device="cpu", dtype="float32"))
    assert VlmJudge.missing_resources_for(loaded.options) == []
    scores = loaded.compute(CAPTIONS, REFERENCES, images[:3]).per_sample
    assert scores == pytest.approx(tiny_judge().compute(CAPTIONS, REFERENCES, images[:3]).per_sample, abs=1e-6)
    fields = signature_fields(loaded.signature())
    assert fields["model"] == str(folder) and "weights" not in fields and fields["family"] == "idefics3"


def test_missing_weights_are_found_before_any_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(**options: object) -> list[str]:
        return VlmJudge.missing_resources_for(JudgeOptions.model_validate(options))

    assert missing(model=str(tmp_path / "nowhere"))[0].startswith(
        f"judge model folder {tmp_path / 'nowhere'} does not exist"
    )
    (tmp_path / "empty").mkdir()
    assert "has no config.json" in missing(model=str(tmp_path / "empty"))[0]
    (tmp_path / "empty" / "config.json").write_text("{}")
    assert "has no weights (model.safetensors" in missing(model=str(tmp_path / "empty"))[0]
    folder = save_random(FAMILIES["idefics3"].random_builder, "tiny", tmp_path / "cut")
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    assert "truncated" in missing(model=str(folder))[0]
    assert "family" in missing(model="some/hub-model", random_weights="tiny")[0]
    assert missing(model="smolvlm-256m", random_weights="tiny") == []
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    line = missing(model="foodcap-tests/no-such-judge")
    assert line == [
        "judge model 'foodcap-tests/no-such-judge' is not in the local hub cache and the hub is "
        "unreachable (HF_HUB_OFFLINE is set): download it where there is network (hf download "
        "foodcap-tests/no-such-judge) or pass a folder as judge.model"
    ]


class PlainCaptioner(Captioner):
    """A captioner that is no chat VLM (as vit-gpt2 is not)."""

    name = "not-a-vlm"

    @classmethod
    def load(cls, options: CaptionerOptions) -> PlainCaptioner:
        raise AssertionError("a judge must not load a captioner that is no chat VLM")

    def preprocessor(self) -> ImagePreprocessor:
        raise AssertionError("unused")

    def generate(self, inputs: Batch) -> list[str]:
        raise AssertionError("unused")


class PlainPlugin:
    @staticmethod
    @hookimpl
    def register_captioners(register: Callable[..., None]) -> None:
        register(PlainCaptioner)


@pytest.fixture
def plain_captioner() -> Iterator[None]:
    register_plugin(PlainPlugin, name="judge-test")
    reset_registry()
    try:
        yield
    finally:
        unregister_plugin("judge-test")
        reset_registry()


def test_a_captioner_that_is_no_chat_vlm_cannot_judge(plain_captioner: None) -> None:
    options = JudgeOptions(model="not-a-vlm")
    with pytest.raises(FoodcapError, match="not a chat VLM"):
        _ = VlmJudge(options).source
    assert "not a chat VLM" in VlmJudge.missing_resources_for(options)[0]
