"""Loading through from_pretrained (the user's path) and its one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from transformers import LlamaConfig

from foodcap import FoodcapError
from foodcap_vlm.captioner import VlmCaptioner
from foodcap_vlm.families import FAMILIES
from foodcap_vlm.options import VlmOptions
from foodcap_vlm.random_weights import save_random


@pytest.mark.parametrize("family", ["idefics3", "paligemma"])
def test_a_saved_tiny_model_loads_through_from_pretrained_and_captions_like_the_built_one(
    family: str, tmp_path: Path, images: list[Image.Image]
) -> None:
    folder = save_random(FAMILIES[family].random_builder, "tiny", tmp_path / family)
    assert sorted(p.suffix for p in folder.iterdir() if p.name.startswith("model")) == [".safetensors"]
    loaded = VlmCaptioner.load(VlmOptions(model=str(folder), device="cpu", generation={"max_new_tokens": 6}))
    built = VlmCaptioner.load(
        VlmOptions(random_weights="tiny", family=family, device="cpu", generation={"max_new_tokens": 6})
    )
    assert loaded.family.model_type == family  # read from the folder's config
    assert loaded.caption(images[:3]) == built.caption(images[:3])


def test_the_generic_captioner_needs_a_model() -> None:
    with pytest.raises(FoodcapError, match="-o model="):
        VlmCaptioner.load(VlmOptions(device="cpu"))


def test_random_weights_need_a_family() -> None:
    with pytest.raises(FoodcapError, match="family"):
        VlmCaptioner.load(VlmOptions(random_weights="tiny", device="cpu"))


def test_an_unknown_model_type_names_the_known_families(tmp_path: Path) -> None:
    LlamaConfig(num_hidden_layers=1).save_pretrained(tmp_path)
    with pytest.raises(FoodcapError) as caught:
        VlmCaptioner.load(VlmOptions(model=str(tmp_path), device="cpu"))
    assert "llama model" in str(caught.value) and "Qwen2.5-VL (qwen2_5_vl)" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(FoodcapError, match="does not exist"):
        VlmCaptioner.load(VlmOptions(model=str(tmp_path / "nope"), device="cpu"))


def test_a_system_prompt_on_a_family_without_one_is_refused() -> None:
    captioner = VlmCaptioner.load(
        VlmOptions(random_weights="tiny", family="paligemma", device="cpu", system_prompt="You name dishes.")
    )
    with pytest.raises(FoodcapError, match="no system turn"):
        captioner.preprocessor()


def test_device_map_spreads_a_model_and_captions_like_one_device(tmp_path: Path, images: list[Image.Image]) -> None:
    """--device-map: a max-memory that fits only part of the model on the CPU forces a real split (the
    rest goes to disk, loaded per forward pass); the same hooks move weights between GPUs."""
    folder = save_random(FAMILIES["paligemma"].random_builder, "tiny", tmp_path / "paligemma")
    whole = VlmCaptioner.load(VlmOptions(model=str(folder), device="cpu", generation={"max_new_tokens": 6}))
    spread = VlmCaptioner.load(
        VlmOptions(
            model=str(folder), device="cpu", device_map="auto", max_memory="cpu=600KB", generation={"max_new_tokens": 6}
        )
    )
    placement = spread.describe()["placement"]
    assert set(placement.values()) == {"cpu", "disk"}  # split, and recorded for run.json
    assert "placement" not in whole.describe()
    expected = whole.caption(images[:4])
    assert len(set(expected)) > 1
    assert spread.caption(images[:4]) == expected
