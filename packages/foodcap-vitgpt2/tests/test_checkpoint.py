"""Checkpoints: plain transformers loads them, and so does ``--checkpoint DIR``."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers import AutoImageProcessor, AutoTokenizer, VisionEncoderDecoderModel

from foodcap_vitgpt2.captioner import ViTGPT2Captioner, ViTGPT2Options
from foodcap_vitgpt2.checkpoint import RECORD_NAME

TITLES = ["Matzo Ball Soup", "Pickled Red Onions"]


def _fine_tuned(load_tiny, food_images) -> ViTGPT2Captioner:
    """The tiny captioner after two optimizer steps, so a checkpoint differs from where it started."""
    captioner = load_tiny()
    batch = captioner.training_collator()(food_images[:2], TITLES)
    optimizer = torch.optim.AdamW(captioner.model.parameters(), lr=1e-2)
    captioner.model.train()
    for _ in range(2):
        optimizer.zero_grad()
        captioner.loss(captioner.model, batch).backward()
        optimizer.step()
    captioner.model.eval()
    return captioner


def _logits(model: VisionEncoderDecoderModel, pixel_values: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(pixel_values=pixel_values, labels=labels).logits


def test_plain_transformers_loads_a_checkpoint(load_tiny, food_images, tmp_path: Path, tiny_folder: Path) -> None:
    captioner = _fine_tuned(load_tiny, food_images)
    captioner.save_checkpoint(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    assert not any(tmp_path.glob("*.bin")) and not any(tmp_path.glob("*.pt"))
    record = json.loads((tmp_path / RECORD_NAME).read_text())
    assert record["captioner"] == "vit-gpt2" and record["options"]["model"] == str(tiny_folder)

    model = VisionEncoderDecoderModel.from_pretrained(tmp_path).eval()
    tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    image_processor = AutoImageProcessor.from_pretrained(tmp_path)
    pixel_values = image_processor(images=food_images[:2], return_tensors="pt")["pixel_values"]
    batch = captioner.training_collator()(food_images[:2], TITLES)
    assert torch.equal(pixel_values, batch["pixel_values"])
    assert tokenizer(TITLES[0]).input_ids == captioner.tokenizer(TITLES[0]).input_ids
    assert model.config.pad_token_id == tokenizer.eos_token_id
    torch.testing.assert_close(
        _logits(model, pixel_values, batch["labels"]),
        _logits(captioner.model, pixel_values, batch["labels"]),
        rtol=0,
        atol=0,
    )
    # Nothing of the original weights was lost on the way, the unused ViT pooler included.
    original = VisionEncoderDecoderModel.from_pretrained(tiny_folder)
    assert set(model.state_dict()) == set(original.state_dict())
    assert torch.equal(model.encoder.pooler.dense.weight, original.encoder.pooler.dense.weight)
    assert not torch.equal(model.decoder.lm_head.weight, original.decoder.lm_head.weight)


def test_checkpoint_option_rebuilds_the_captioner(load_tiny, food_images, tmp_path: Path) -> None:
    captioner = _fine_tuned(load_tiny, food_images)
    captioner.save_checkpoint(tmp_path / "epoch-1")
    reloaded = ViTGPT2Captioner.load(ViTGPT2Options(checkpoint=tmp_path / "epoch-1", device="cpu"))
    batch = captioner.training_collator()(food_images[:2], TITLES)
    torch.testing.assert_close(
        _logits(reloaded.model, batch["pixel_values"], batch["labels"]),
        _logits(captioner.model, batch["pixel_values"], batch["labels"]),
        rtol=0,
        atol=0,
    )
    assert reloaded.caption(food_images[:3]) == captioner.caption(food_images[:3])


def test_a_random_tiny_checkpoint_round_trips(food_images, tmp_path: Path) -> None:
    """What `foodcap demo` does: random weights, saved, then reloaded as a checkpoint."""
    captioner = ViTGPT2Captioner.load(ViTGPT2Options(random_weights="tiny", device="cpu"))
    with torch.no_grad():  # random weights are seeded: make the checkpoint differ from a fresh build
        captioner.model.decoder.lm_head.weight.mul_(3.0)
    captioner.save_checkpoint(tmp_path)
    reloaded = ViTGPT2Captioner.load(ViTGPT2Options(checkpoint=tmp_path, random_weights="tiny", device="cpu"))
    for (name, a), (_, b) in zip(captioner.model.state_dict().items(), reloaded.model.state_dict().items()):
        assert torch.equal(a, b), name
    assert reloaded.caption(food_images[:2]) == captioner.caption(food_images[:2])
