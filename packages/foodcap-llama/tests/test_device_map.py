"""--device-map: the language model spread over devices captions exactly as on one device.

A CPU machine has one device and the disk, so a max-memory that fits only the embeddings forces
accelerate to put the decoder layers and head on disk (offloaded, loaded per forward pass); the
same hooks move weights between GPUs when there are several.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import LlamaForCausalLM

from foodcap_llama.captioner import LlamaLoraCaptioner
from foodcap_llama.options import LlamaLoraOptions
from foodcap_llama.random_weights import random_base_models

from conftest import dish_set


@pytest.fixture(scope="module")
def untied(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A tiny Llama with its own output head (a head tied to the embeddings cannot go to disk alone)."""
    root = tmp_path_factory.mktemp("untied")
    bases = random_base_models("tiny", "meta-llama/Llama-3.2-1B", torch.device("cpu"), torch.float32)
    config = bases.language_model.config
    config.tie_word_embeddings = False
    torch.manual_seed(1)
    LlamaForCausalLM(config).save_pretrained(root / "llama")
    bases.tokenizer.save_pretrained(root / "llama")
    bases.vision.save_pretrained(root / "vit")
    bases.image_processor.save_pretrained(root / "vit")
    return {"model": str(root / "llama"), "vision_model": str(root / "vit"), "device": "cpu", "dtype": "float32"}


def test_a_model_split_by_max_memory_captions_like_one_device(
    untied: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # peft re-spreads a disk-offloaded base by rewriting its weight files under a path it makes relative
    # (it drops the leading "/"), so they land below the working directory: keep that inside tmp_path.
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    trained = LlamaLoraCaptioner.load_for_training(LlamaLoraOptions.model_validate(untied))
    for name, parameter in trained.model.named_parameters():  # as if trained: a live projector and adapter
        if "projector" in name or "lora_B" in name:
            parameter.data.normal_(0, 0.5)
    trained.save_checkpoint(tmp_path / "checkpoint")
    images = [image for image, _ in dish_set(6, 0)]
    whole = LlamaLoraCaptioner.load(LlamaLoraOptions.model_validate({**untied, "checkpoint": tmp_path / "checkpoint"}))
    spread = LlamaLoraCaptioner.load(
        LlamaLoraOptions.model_validate(
            {**untied, "checkpoint": tmp_path / "checkpoint", "device_map": "auto", "max_memory": "cpu=1MB"}
        )
    )
    placement = spread.describe()["placement"]
    assert set(placement.values()) == {"cpu", "disk"}  # really split, and recorded for run.json
    assert placement["model.embed_tokens"] == "cpu" and placement["lm_head"] == "disk"
    assert "placement" not in whole.describe()
    expected = whole.caption(images)
    assert len(set(expected)) > 1  # captions that depend on the image, so equality means something
    assert spread.caption(images) == expected
    with spread.network.language_model.disable_adapter():  # the offloaded layers' adapters did load
        assert spread.caption(images) != expected
