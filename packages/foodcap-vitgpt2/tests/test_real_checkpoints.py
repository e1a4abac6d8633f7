"""What the real checkpoint is like: nlpconnect's repository has only pytorch_model.bin, its hub copy may
carry decoding settings, and a fine-tuned best/ must work without foodcap."""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from transformers import VisionEncoderDecoderModel

from foodcap_vitgpt2.captioner import ViTGPT2Captioner, ViTGPT2Options

README = Path(__file__).parents[1] / "README.md"
# What a chat checkpoint's generation_config.json carries; none of it is foodcap's decoding.
HUB_DECODING = {"repetition_penalty": 5.0, "temperature": 0.1, "top_k": 1, "top_p": 0.001, "do_sample": True}


def bin_only_copy(tiny_folder: Path, folder: Path) -> Path:
    """The tiny model laid out like nlpconnect/vit-gpt2-image-captioning: pytorch_model.bin, no safetensors.
    transformers 5 writes only safetensors, so the .bin is written as older transformers did (torch.save)."""
    shutil.copytree(tiny_folder, folder)
    (folder / "model.safetensors").unlink()
    torch.save(load_file(str(tiny_folder / "model.safetensors")), folder / "pytorch_model.bin")
    return folder


def test_a_bin_only_folder_loads_as_model_and_as_checkpoint_and_captions_like_safetensors(
    tiny_folder: Path, load_tiny, food_images: list[Image.Image], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = bin_only_copy(tiny_folder, tmp_path / "bin-only")
    expected = load_tiny().caption(food_images)
    with caplog.at_level(logging.WARNING, logger="foodcap"):
        for options in (
            ViTGPT2Options(model=str(folder), device="cpu"),
            ViTGPT2Options(checkpoint=folder, device="cpu"),
        ):
            captioner = ViTGPT2Captioner.load(options)
            assert captioner.caption(food_images) == expected
            weights = captioner.describe()["weights"]
            assert (weights["file"], weights["revision"]) == ("pytorch_model.bin", "local folder")
            assert "weights-only" in weights["format"]
    notes = [r.getMessage() for r in caplog.records if "has no safetensors weights" in r.getMessage()]
    assert len(notes) == 2 and all("pytorch_model.bin" in note for note in notes)
    assert load_tiny().describe()["weights"]["file"] == "model.safetensors"


def test_the_checkpoints_own_decoding_settings_change_nothing(
    tiny_folder: Path, load_tiny, food_images: list[Image.Image], tmp_path: Path
) -> None:
    clean = load_tiny().caption(food_images)
    polluted = Path(shutil.copytree(tiny_folder, tmp_path / "polluted"))
    settings = json.loads((polluted / "generation_config.json").read_text())
    (polluted / "generation_config.json").write_text(json.dumps({**settings, **HUB_DECODING}))
    captioner = ViTGPT2Captioner.load(ViTGPT2Options(model=str(polluted), device="cpu"))
    assert captioner.caption(food_images) == clean
    assert not {"repetition_penalty", "temperature", "top_k", "top_p"} & set(captioner.describe()["generation"])
    # The settings have teeth: merged under foodcap's arguments (what generate() does with a hub
    # generation_config), and with the penalty passed on purpose, the captions change.
    pixel_values = captioner.preprocessor()(food_images)["pixel_values"]
    merged = VisionEncoderDecoderModel.from_pretrained(polluted).eval()
    torch.manual_seed(0)
    token_ids = merged.generate(pixel_values=pixel_values, num_beams=4, max_new_tokens=32, no_repeat_ngram_size=3)
    assert [text.strip() for text in captioner.tokenizer.batch_decode(token_ids, skip_special_tokens=True)] != clean
    assert load_tiny(generation={"repetition_penalty": 5.0}).caption(food_images) != clean


def test_the_readme_lines_caption_a_trained_best_folder_as_foodcap_does(
    load_tiny, food_images: list[Image.Image], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    captioner = load_tiny()
    batch = captioner.training_collator()(food_images[:2], ["Matzo Ball Soup", "Pickled Red Onions"])
    optimizer = torch.optim.AdamW(captioner.model.parameters(), lr=1e-2)
    captioner.model.train()
    captioner.loss(captioner.model, batch).backward()
    optimizer.step()
    captioner.model.eval()
    best = tmp_path / "best"
    captioner.save_checkpoint(best)
    photo = tmp_path / "dish.png"
    food_images[3].save(photo)
    block = re.search(r"Without foodcap.*?```python\n(.*?)```", README.read_text(), re.S)
    assert block is not None, "the README's plain-transformers example is gone"
    exec(block.group(1), {"DIR": str(best), "PHOTO": str(photo)})  # noqa: S102  # our own README, as written
    printed = capsys.readouterr().out.strip()
    assert printed == repr([captioner.caption([photo])[0]])
