"""Checkpoint = peft adapter + projector (safetensors) + JSON config; load rebuilds the same captioner."""

from __future__ import annotations

import json

import pytest
import torch

from foodcap import FoodcapError
from foodcap.freeze import FreezeDecoder
from foodcap_llama.captioner import LlamaLoraCaptioner
from foodcap_llama.checkpoint import CONFIG_FILE
from foodcap_llama.freeze_policy import TrainAdapters
from foodcap_llama.options import LlamaLoraOptions


def _logits(captioner: LlamaLoraCaptioner, pairs) -> torch.Tensor:
    images, titles = zip(*pairs)
    batch = captioner.training_collator()(list(images), list(titles))
    with torch.no_grad():
        return captioner.model.eval()(**batch).logits


@pytest.fixture(scope="module")
def trained(fresh_captioner, dishes, trainer):
    captioner = fresh_captioner(seed=2, prefix_tokens=4, prompt="Dish:")
    TrainAdapters().apply(captioner)
    trainer(captioner, dishes(16, seed=20), steps=4)
    return captioner


def test_round_trip_gives_identical_logits_and_captions(trained, dishes, tmp_path, options):
    trained.save_checkpoint(tmp_path / "ckpt")
    files = sorted(p.relative_to(tmp_path / "ckpt").as_posix() for p in (tmp_path / "ckpt").rglob("*") if p.is_file())
    assert "adapter/adapter_model.safetensors" in files and "projector.safetensors" in files
    assert CONFIG_FILE in files and "vision.safetensors" not in files  # the ViT was frozen
    assert not [f for f in files if f.endswith((".bin", ".pt", ".pth", ".pkl"))]

    # The options differ from the checkpoint's; the checkpoint's architecture wins.
    loaded = LlamaLoraCaptioner.load(options(checkpoint=tmp_path / "ckpt", prompt="ignored", prefix_tokens=None))
    assert loaded.options.prompt == "Dish:" and loaded.options.prefix_tokens == 4
    pairs = dishes(4, seed=21)
    assert torch.equal(_logits(trained, pairs), _logits(loaded, pairs))
    images = [image for image, _ in pairs]
    assert loaded.caption(images) == trained.caption(images)


def test_checkpoint_config_records_bases_projector_prompt_and_lora(trained, tmp_path, saved_bases):
    trained.save_checkpoint(tmp_path)
    config = json.loads((tmp_path / CONFIG_FILE).read_text())
    assert config["language_model"] == saved_bases["model"]
    assert config["vision_model"] == saved_bases["vision_model"]
    assert config["lora"] == {
        "r": 16,
        "alpha": 32,
        "dropout": 0.1,
        "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
    }
    widths = (trained.model.vision.config.hidden_size, trained.model.language_model.config.hidden_size)
    assert (config["vision_width"], config["text_width"], config["prefix_tokens"]) == (*widths, 4)
    adapter = json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())
    assert adapter["r"] == 16 and adapter["lora_alpha"] == 32


def test_resumed_adapter_is_trainable(trained, tmp_path, options):
    trained.save_checkpoint(tmp_path)
    loaded = LlamaLoraCaptioner.load_for_training(options(checkpoint=tmp_path))
    TrainAdapters().apply(loaded)
    trainable = {n for n, p in loaded.model.named_parameters() if p.requires_grad}
    assert trainable == {n for n, p in trained.model.named_parameters() if p.requires_grad}


def test_a_trained_vit_is_saved_and_restored(fresh_captioner, dishes, trainer, tmp_path, options):
    captioner = fresh_captioner(seed=4)
    FreezeDecoder().apply(captioner)
    trainer(captioner, dishes(8, seed=22), steps=2)
    captioner.save_checkpoint(tmp_path)
    assert (tmp_path / "vision.safetensors").is_file()
    loaded = LlamaLoraCaptioner.load(options(checkpoint=tmp_path))
    for (name, a), (_, b) in zip(captioner.model.vision.named_parameters(), loaded.model.vision.named_parameters()):
        assert torch.equal(a, b), name
    fresh = LlamaLoraCaptioner.load_for_training(options())
    assert not torch.equal(
        fresh.model.vision.embeddings.patch_embeddings.projection.weight,
        loaded.model.vision.embeddings.patch_embeddings.projection.weight,
    )


def test_random_weight_checkpoints_rebuild_their_bases_from_the_seed(dishes, trainer, tmp_path):
    options = LlamaLoraOptions(random_weights="tiny", model="meta-llama/Llama-3.2-1B", device="cpu", dtype="float32")
    captioner = LlamaLoraCaptioner.load(options)
    TrainAdapters().apply(captioner)
    trainer(captioner, dishes(8, seed=23), steps=2)
    captioner.save_checkpoint(tmp_path)
    # --random-weights is not needed again: the checkpoint records it.
    loaded = LlamaLoraCaptioner.load(
        LlamaLoraOptions(checkpoint=tmp_path, model="meta-llama/Llama-3.2-3B", device="cpu")
    )
    assert loaded.options.random_weights == "tiny"
    assert loaded.options.model == "meta-llama/Llama-3.2-1B"  # llama-lora-3b's default does not override
    pairs = dishes(3, seed=24)
    assert torch.equal(_logits(captioner, pairs), _logits(loaded, pairs))


def test_without_checkpoint_run_refuses_but_training_starts(options):
    with pytest.raises(FoodcapError, match="needs --checkpoint") as error:
        LlamaLoraCaptioner.load(options())
    assert "\n" not in str(error.value)
    assert LlamaLoraCaptioner.load_for_training(options()).record.language_model == options().model


def test_a_folder_that_is_no_checkpoint_is_one_line(tmp_path, options):
    with pytest.raises(FoodcapError, match="not a llama-lora checkpoint"):
        LlamaLoraCaptioner.load(options(checkpoint=tmp_path))


def test_an_adapter_that_does_not_fit_the_base_is_one_line(trained, tmp_path, options):
    trained.save_checkpoint(tmp_path)
    adapter = tmp_path / "adapter" / "adapter_config.json"
    settings = json.loads(adapter.read_text())
    settings["r"] = 8  # the saved tensors have rank 16
    adapter.write_text(json.dumps(settings))
    with pytest.raises(FoodcapError, match="does not fit") as error:
        LlamaLoraCaptioner.load(options(checkpoint=tmp_path))
    assert "\n" not in str(error.value)
