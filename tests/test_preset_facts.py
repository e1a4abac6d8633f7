"""Every preset against its real checkpoint's facts (tests/preset_facts): a tiny model built from them,
loaded through the preset as a user's download would be, gets foodcap's prompt, stop ids, image
tokens, decoding, weights format and dtype choice right."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image
from preset_models import (
    build_llama_folders,
    build_vit_gpt2_folder,
    build_vlm_folder,
    fact,
    preset_facts,
)

from foodcap.backend import choose_dtype
from foodcap.registry import get_registry

PRESETS = preset_facts()
VLM_PRESETS = sorted(
    name for name, facts in PRESETS.items() if facts["family"] in ("qwen2_5_vl", "gemma3", "paligemma", "idefics3")
)
QUESTION = "Name the dish."
GEMMA_RISK = "Gemma 3 produces NaN or empty output in float16 (transformers issue #36822)"
_built: dict[str, Path] = {}


def test_every_registered_preset_has_a_facts_file_with_sources() -> None:
    registry = get_registry()
    # Presets are the registered captioners with a checkpoint of their own (not vlm, nor the example plugin).
    registered = {name for name in registry.captioners if registry.captioner_options(name, {}).model is not None}
    assert registered == set(PRESETS), f"presets without facts: {sorted(registered - set(PRESETS))}"
    for name, preset in PRESETS.items():
        assert get_registry().captioner_options(name, {}).model == preset["repository"]  # type: ignore[union-attr]
        for fact_name, entry in preset["facts"].items():
            assert entry["status"] in ("confirmed", "secondary", "unconfirmed"), (name, fact_name)
            assert entry["source"].strip(), (name, fact_name)


def built(name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder per distinct set of facts (gemma-3-4b/12b/27b share theirs)."""
    preset = PRESETS[name]
    key = hashlib.sha256(
        json.dumps({**preset["facts"], "family": preset["family"]}, sort_keys=True).encode()
    ).hexdigest()
    if key not in _built:
        _built[key] = build_vlm_folder(preset, tmp_path_factory.mktemp(name))
    return _built[key]


def t4_and_a100(monkeypatch: pytest.MonkeyPatch, risk: str | None) -> tuple[torch.dtype, torch.dtype]:
    """What ``auto`` picks for a captioner with ``risk`` on a T4 (no native bf16) and on an A100."""
    picks = []
    for capability in ((7, 5), (8, 0)):
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None, c=capability: c)
        picks.append(choose_dtype("auto", torch.device("cuda", 0), risk).dtype)
    return picks[0], picks[1]


@pytest.mark.parametrize("name", VLM_PRESETS)
def test_a_vlm_preset_matches_its_checkpoints_facts(
    name: str, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    preset, folder = PRESETS[name], built(name, tmp_path_factory)
    registry = get_registry()
    options = registry.captioner_options(
        name, {"model": str(folder), "device": "cpu", "shots": 0, "generation": {"max_new_tokens": 4}}
    )
    captioner = registry.captioner(name).obj.load(options)

    # The prompt, in the checkpoint's own format.
    template = preset["facts"]["chat_template"]
    prompt_options = options.model_copy(update={"prompt": QUESTION})
    asked = type(captioner)(
        prompt_options, captioner.network, captioner.processor, captioner.family, captioner.device, captioner.record
    )
    text = asked.preprocessor().text
    if template["value"] is None:  # PaliGemma: image tokens, <bos>, the task prefix, a newline
        assert text == QUESTION and captioner.question == fact(preset, "default_prompt")
        ids = asked.preprocessor()([Image.new("RGB", (300, 200))])["input_ids"][0].tolist()
        image_id = fact(preset, "special_tokens")["<image>"]
        assert ids[: fact(preset, "tokens_per_image") + 1] == [image_id] * fact(preset, "tokens_per_image") + [
            fact(preset, "bos_token_id")
        ]
        assert captioner.processor.tokenizer.decode(ids[fact(preset, "tokens_per_image") + 1 :]) == QUESTION + "\n"
    else:
        assert text == template["value"].format(question=QUESTION)

    # Stop where the checkpoint ends an answer; pad with its pad token.
    end = captioner.processor.tokenizer.convert_tokens_to_ids(fact(preset, "end_of_turn"))
    assert set(captioner.stop_token_ids) == {*fact(preset, "eos_token_ids"), end}
    assert captioner.generation.pad_token_id == fact(preset, "pad_token_id")

    # Image tokens per photo: the real count at the real (or foodcap's capped) resolution.
    side = 448 if preset["family"] == "qwen2_5_vl" else 300
    batch = captioner.preprocessor()([Image.new("RGB", (side, side), (200, 90, 40))])
    image_token = captioner.base_model.config.image_token_id
    assert int((batch["input_ids"] == image_token).sum()) == fact(preset, "tokens_per_image")

    # Decoding: none of the hub's generation_config.json settings reach generate().
    hub = preset["facts"].get("hub_generation_config", {"value": {}})["value"]
    decoding = captioner.describe()["generation"]
    assert not {key for key in hub if key != "do_sample"} & set(decoding) and decoding.get("do_sample", False) is False
    assert len(captioner.caption([Image.new("RGB", (side, side))])) == 1

    # dtype: float32 where bfloat16 is not native and the family overflows in float16.
    t4, a100 = t4_and_a100(monkeypatch, type(captioner).float16_risk(options))
    assert t4 == (torch.float16 if fact(preset, "float16_safe") else torch.float32) and a100 == torch.bfloat16
    assert captioner.describe()["weights"]["format"] == "safetensors"


def test_vit_gpt2_matches_nlpconnects_facts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A .bin-only repository with GPT-2's ids: read with the weights-only unpickler, decoded with foodcap's settings."""
    preset = PRESETS["vit-gpt2"]
    folder = build_vit_gpt2_folder(preset, tmp_path / "vit-gpt2")
    registry = get_registry()
    options = registry.captioner_options("vit-gpt2", {"model": str(folder), "device": "cpu"})
    captioner = registry.captioner("vit-gpt2").obj.load(options)
    generation = captioner.generation
    assert (generation.eos_token_id, generation.pad_token_id, generation.decoder_start_token_id) == (
        fact(preset, "eos_token_ids")[0],
        fact(preset, "pad_token_id"),
        fact(preset, "decoder_start_token_id"),
    )
    assert generation.max_length != fact(preset, "hub_decoding")["max_length"] and generation.num_beams == 4
    assert (
        captioner.preprocessor()([Image.new("RGB", (300, 200))])["pixel_values"].shape[-1]
        == fact(preset, "image_geometry")["image_size"]
    )
    assert fact(preset, "safetensors") is False
    assert captioner.describe()["weights"]["file"] == "pytorch_model.bin"
    assert t4_and_a100(monkeypatch, captioner.float16_risk(options)) == (torch.float16, torch.bfloat16)


@pytest.mark.parametrize("name", ["llama-lora-1b", "llama-lora-3b"])
def test_llama_lora_matches_llama_3_2s_facts(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    preset = PRESETS[name]
    language, vision = build_llama_folders(preset, tmp_path)
    registry = get_registry()
    options = registry.captioner_options(
        name, {"model": str(language), "vision_model": str(vision), "device": "cpu", "prompt": QUESTION}
    )
    captioner = registry.captioner(name).obj.load_for_training(options)
    text = captioner.text
    assert text.tokenizer.pad_token_id is fact(preset, "pad_token_id") is None
    assert (text.eos_id, text.pad_id) == (fact(preset, "eos_token_ids")[0], fact(preset, "eos_token_ids")[0])
    assert captioner.network.bos_token_id == fact(preset, "bos_token_id")
    assert text.tokenizer.decode(text.prompt_ids) == QUESTION
    generation = captioner.generation
    assert generation.eos_token_id == fact(preset, "eos_token_ids")[0] and not generation.do_sample
    assert generation.temperature is None and generation.top_p is None
    assert [w["file"] for w in captioner.describe()["weights"]] == ["model.safetensors", "model.safetensors"]
    assert t4_and_a100(monkeypatch, captioner.float16_risk(options)) == (torch.float16, torch.bfloat16)


def test_doctor_names_the_presets_that_compute_in_float32_on_a_t4(monkeypatch: pytest.MonkeyPatch) -> None:
    from foodcap.preflight import torch_checks

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (7, 5))
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Tesla T4")
    (gpu,) = [check for check in torch_checks(get_registry()) if check.name == "cuda:0"]
    unsafe = sorted(name for name, preset in PRESETS.items() if not fact(preset, "float16_safe"))
    assert gpu.detail == (
        "Tesla T4, compute capability 7.5: auto dtype float16; float32 for "
        f"{', '.join(unsafe)} (they overflow in float16)"
    )


def test_foodcap_run_refuses_float16_for_gemma_in_one_line_before_any_work(foodcap: Any, tmp_path: Path) -> None:
    out = tmp_path / "never"
    result = foodcap(
        "run",
        "--captioner",
        "gemma-3-4b",
        "--random-weights",
        "tiny",
        "--dtype",
        "float16",
        "--dataset",
        "sample",
        "--limit",
        "2",
        "--out",
        str(out),
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert lines == [
        f"error: --dtype float16 is refused: {GEMMA_RISK}. Use bfloat16 on a GPU that has it natively "
        "(compute capability 8.0+) or float32"
    ]
    assert not out.exists()
