"""First contact with real checkpoints, on tiny saved folders loaded through the real path: the family's
precision, decoding that ignores the hub's generation_config, processor options checked after loading,
PaliGemma's task prefix and pt base, and SmolVLM2 refused in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
import transformers
from PIL import Image
from transformers import AutoProcessor, SmolVLMConfig

from foodcap import FoodcapError
from foodcap.registry import get_registry
from foodcap_vlm.captioner import VlmCaptioner
from foodcap_vlm.families import FAMILIES
from foodcap_vlm.options import VlmOptions
from foodcap_vlm.processors import QwenImageProcessor
from foodcap_vlm.prompting import DEFAULT_PROMPT, TITLES_HEADER
from foodcap_vlm.random_weights import save_random

HUB_DECODING = {"repetition_penalty": 5.0, "temperature": 0.1, "top_k": 1, "top_p": 0.001, "do_sample": True}
_folders: dict[str, Path] = {}


@pytest.fixture
def saved(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``saved(family)``: a tiny model and processor written with save_pretrained (once per session)."""

    def folder(family: str) -> Path:
        if family not in _folders:
            _folders[family] = save_random(FAMILIES[family].random_builder, "tiny", tmp_path_factory.mktemp(family))
        return _folders[family]

    return folder


def load(folder: Path, **options: Any) -> VlmCaptioner:
    return VlmCaptioner.load(
        VlmOptions.model_validate(
            {"model": str(folder), "device": "cpu", "generation": {"max_new_tokens": 6}, **options}
        )
    )


def fake_gpu(monkeypatch: pytest.MonkeyPatch, capability: tuple[int, int]) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)


def edited_copy(folder: Path, target: Path, file: str, changes: dict[str, Any], section: str | None = None) -> Path:
    """A copy of ``folder`` with ``changes`` laid over one JSON file (or one section of it)."""
    target.mkdir()
    for path in folder.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    data = json.loads((target / file).read_text())
    (data[section] if section else data).update(changes)
    (target / file).write_text(json.dumps(data))
    return target


# -- precision ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_auto_precision_on_a_t4_follows_the_family(monkeypatch: pytest.MonkeyPatch, family: str) -> None:
    fake_gpu(monkeypatch, (7, 5))
    risk = VlmCaptioner.float16_risk(VlmOptions(family=family))
    from foodcap.backend import choose_dtype

    chosen = choose_dtype("auto", torch.device("cuda", 0), risk)
    unsafe = family in ("gemma3", "paligemma", "qwen2_5_vl")
    assert (risk is not None) == unsafe
    assert chosen.dtype == (torch.float32 if unsafe else torch.float16)
    assert "compute capability 7.5" in chosen.reason
    fake_gpu(monkeypatch, (8, 0))
    assert choose_dtype("auto", torch.device("cuda", 0), risk).dtype == torch.bfloat16


def test_explicit_float16_for_gemma_is_refused_in_one_line_before_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_gpu(monkeypatch, (7, 5))
    with pytest.raises(FoodcapError) as refused:
        VlmCaptioner.load(VlmOptions(random_weights="tiny", family="gemma3", device="cuda", dtype="float16"))
    message = str(refused.value)
    assert message.startswith("--dtype float16 is refused: Gemma 3") and "#36822" in message and "\n" not in message


def test_the_4bit_compute_dtype_follows_the_family(monkeypatch: pytest.MonkeyPatch, saved: Any) -> None:
    """A T4 with QLoRA on Gemma 3: weights and 4-bit compute both in float32, never float16."""
    import importlib.util

    fake_gpu(monkeypatch, (7, 5))
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *args: object() if name == "bitsandbytes" else find_spec(name, *args)
    )
    seen: dict[str, Any] = {}

    def capture(source: str, **kwargs: Any) -> None:
        seen.update(kwargs)
        raise RuntimeError("captured")

    monkeypatch.setattr(transformers.AutoModelForImageTextToText, "from_pretrained", capture)
    with pytest.raises(RuntimeError, match="captured"):
        load(saved("gemma3"), device="cuda", quantization="4bit")
    assert seen["dtype"] == torch.float32
    assert seen["quantization_config"].bnb_4bit_compute_dtype == torch.float32


def test_run_json_records_the_precision_the_weights_and_the_decoding(saved: Any) -> None:
    described = load(saved("idefics3")).describe()
    assert described["precision"] == {"dtype": "float32", "reason": "the CPU computes in float32"}
    assert (described["weights"]["file"], described["weights"]["revision"]) == ("model.safetensors", "local folder")
    assert described["generation"]["max_new_tokens"] == 6 and described["generation"]["num_beams"] == 1


# -- decoding --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("family", ["qwen2_5_vl", "gemma3"])
def test_the_checkpoints_generation_config_changes_nothing(
    family: str, saved: Any, tmp_path: Path, images: list[Image.Image]
) -> None:
    """Qwen ships repetition_penalty and sampling settings: foodcap's greedy captions ignore them."""
    clean = load(saved(family)).caption(images[:4])
    polluted = edited_copy(saved(family), tmp_path / "polluted", "generation_config.json", HUB_DECODING)
    captioner = load(polluted)
    assert captioner.caption(images[:4]) == clean
    assert not set(HUB_DECODING) - {"do_sample"} & set(captioner.describe()["generation"])
    # The penalty has teeth when asked for (-o generation.repetition_penalty=5).
    assert load(saved(family), generation={"max_new_tokens": 6, "repetition_penalty": 5.0}).caption(images[:4]) != clean


# -- processor options -------------------------------------------------------------------------------------
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_loads_its_saved_processor_through_the_real_path_and_passes_the_check(
    family: str, saved: Any
) -> None:
    captioner = load(saved(family))
    settings = FAMILIES[family].image_options
    for name, value in settings.items():
        held = getattr(captioner.processor.image_processor, name, None)
        assert held in (value, None), (name, held)


def _dropping(loader: Any, option: str) -> Any:
    """``loader.from_pretrained`` of a transformers version that silently ignores ``option`` (#41955)."""
    original = loader.from_pretrained.__func__

    def from_pretrained(cls: Any, source: str, **kwargs: Any) -> Any:
        return original(cls, source, **{key: value for key, value in kwargs.items() if key != option})

    return classmethod(from_pretrained)


@pytest.mark.parametrize(
    ("family", "option", "saved_as", "loader"),
    [
        # The real Qwen2.5-VL repositories allow up to 12.8M pixels (16k image tokens) a photo.
        (
            "qwen2_5_vl",
            "max_pixels",
            {"max_pixels": 12_845_056, "min_pixels": 3136, "size": {"longest_edge": 12_845_056, "shortest_edge": 3136}},
            QwenImageProcessor,
        ),
        # SmolVLM's repositories split every photo into tiles; Gemma 3's pan-and-scan is off unless a config turns it on.
        ("idefics3", "do_image_splitting", {"do_image_splitting": True}, AutoProcessor),
        ("gemma3", "do_pan_and_scan", {"do_pan_and_scan": True}, AutoProcessor),
    ],
)
def test_an_option_that_does_not_take_effect_stops_the_load_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
    saved: Any,
    tmp_path: Path,
    family: str,
    option: str,
    saved_as: dict[str, Any],
    loader: Any,
) -> None:
    folder = edited_copy(saved(family), tmp_path / family, "processor_config.json", saved_as, "image_processor")
    load(folder)  # the option, passed at load, wins over the folder's own setting
    monkeypatch.setattr(loader, "from_pretrained", _dropping(loader, option))
    with pytest.raises(FoodcapError) as stopped:
        load(folder)
    message = str(stopped.value)
    assert f"processor option {option}=" in message and f"transformers {transformers.__version__}" in message
    assert "\n" not in message


def test_a_processor_that_disagrees_with_the_vision_tower_on_image_size_is_stopped(saved: Any, tmp_path: Path) -> None:
    folder = edited_copy(
        saved("paligemma"),
        tmp_path / "paligemma",
        "processor_config.json",
        {"size": {"height": 48, "width": 48}},
        "image_processor",
    )
    with pytest.raises(FoodcapError, match=r"resizes photos to \(48, 48\) pixels where the vision tower takes 32x32"):
        load(folder)


# -- PaliGemma and SmolVLM2 ---------------------------------------------------------------------------------
def test_the_generic_vlm_asks_paligemma_its_task_prefix_not_the_long_instruction(saved: Any) -> None:
    captioner = load(saved("paligemma"))
    assert captioner.options.prompt == "caption en" and captioner.preprocessor().text == "caption en"
    assert load(saved("idefics3")).options.prompt == DEFAULT_PROMPT
    assert load(saved("paligemma"), prompt="describe en").preprocessor().text == "describe en"


def test_paligemma_titles_few_shot_keeps_the_task_prefix_first(saved: Any, splits: dict[str, list[Any]]) -> None:
    captioner = load(saved("paligemma"), shots=3, shot_format="titles")
    captioner.use_examples(splits["train"])
    text = captioner.preprocessor().text
    assert text.startswith("caption en ") and TITLES_HEADER in text and "\n" not in text
    assert all(example.title in text for example in captioner.examples or [])
    tokens = captioner.preprocessor()([Image.new("RGB", (40, 30))])["input_ids"][0].tolist()
    tokenizer = captioner.processor.tokenizer
    after_bos = tokens[tokens.index(tokenizer.bos_token_id) + 1 :]
    assert tokenizer.decode(after_bos).startswith("caption en")  # <image>... <bos> then the prefix


def test_paligemma_fine_tunes_from_the_pt_checkpoint(saved: Any) -> None:
    registry = get_registry()
    preset = registry.captioner_options("paligemma2-3b", {})
    assert (preset.model, preset.train_model) == (  # type: ignore[attr-defined]
        "google/paligemma2-3b-mix-224",
        "google/paligemma2-3b-pt-224",
    )
    # Offline, the mix hub id cannot load: training succeeds only because it starts from train_model.
    options = registry.captioner_options("paligemma2-3b", {"train_model": str(saved("paligemma")), "device": "cpu"})
    trainable = VlmCaptioner.load_for_training(options)
    assert trainable.record.model == str(saved("paligemma")) and trainable.options.prompt == "caption en"


def test_smolvlm2_is_refused_in_one_line(tmp_path: Path) -> None:
    SmolVLMConfig().save_pretrained(tmp_path)
    with pytest.raises(FoodcapError) as refused:
        VlmCaptioner.load(VlmOptions(model=str(tmp_path), device="cpu"))
    message = str(refused.value)
    assert "SmolVLM2" in message and "idefics3" in message and "\n" not in message
