"""Loading: a local folder, random weights, and the one-line errors for what cannot load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel, VisionEncoderDecoderModel

from foodcap import FoodcapError
from foodcap.dataset import sample_titles
from foodcap_vitgpt2.architecture import GPT2_VOCAB_SIZE, architecture_config, random_tokenizer
from foodcap_vitgpt2.captioner import ViTGPT2Captioner, ViTGPT2Options


def test_loads_a_local_folder_and_pads_with_eos(load_tiny, food_images) -> None:
    captioner = load_tiny()
    eos = captioner.tokenizer.eos_token_id
    for config in (captioner.model.config, captioner.model.generation_config):
        assert config.pad_token_id == eos
        assert config.eos_token_id == eos
        assert config.decoder_start_token_id == captioner.tokenizer.bos_token_id
    assert captioner.device == torch.device("cpu")
    assert captioner.model.dtype == torch.float32
    assert not captioner.model.training
    captions = captioner.caption(food_images[:2])
    assert len(captions) == 2 and all(isinstance(caption, str) for caption in captions)


def test_model_ids_already_set_are_kept(tiny_folder: Path, tmp_path: Path) -> None:
    """Another VisionEncoderDecoder model's own start token is not overwritten with BOS."""
    model = VisionEncoderDecoderModel.from_pretrained(tiny_folder)
    model.config.decoder_start_token_id = 5
    model.generation_config.decoder_start_token_id = 5
    model.save_pretrained(tmp_path)
    for name in ("tokenizer.json", "tokenizer_config.json", "preprocessor_config.json"):
        (tmp_path / name).write_bytes((tiny_folder / name).read_bytes())
    captioner = ViTGPT2Captioner.load(ViTGPT2Options(model=str(tmp_path), device="cpu"))
    assert captioner.model.config.decoder_start_token_id == 5
    assert captioner.model.generation_config.decoder_start_token_id == 5


def test_random_tiny_is_seeded_and_its_vocabulary_matches(food_images) -> None:
    first = ViTGPT2Captioner.load(ViTGPT2Options(random_weights="tiny", device="cpu"))
    second = ViTGPT2Captioner.load(ViTGPT2Options(random_weights="tiny", device="cpu"))
    for (name, a), (_, b) in zip(first.model.state_dict().items(), second.model.state_dict().items()):
        assert torch.equal(a, b), name
    assert first.model.config.decoder.vocab_size == len(first.tokenizer)
    assert first.model.config.decoder.add_cross_attention
    title = sample_titles()[0]
    assert len(first.tokenizer.tokenize(title)) == len(title.split()), "trained on the sample's titles"
    assert first.caption(food_images[:2]) == second.caption(food_images[:2])


def test_random_full_has_vit_base_and_gpt2_shapes_and_every_id_decodes() -> None:
    tokenizer = random_tokenizer("full")
    assert len(tokenizer) == GPT2_VOCAB_SIZE
    texts = tokenizer.batch_decode([[index] for index in range(len(tokenizer))])
    assert all(texts[index] for index in range(len(tokenizer)) if index != tokenizer.eos_token_id)
    title = "Crème Brûlée with 3 Berries"
    assert tokenizer.decode(tokenizer(title).input_ids) == title

    config = architecture_config("full", tokenizer)
    vit, gpt2 = config.encoder, config.decoder
    assert (vit.image_size, vit.patch_size, vit.hidden_size, vit.num_hidden_layers) == (224, 16, 768, 12)
    assert (gpt2.n_embd, gpt2.n_layer, gpt2.n_head, gpt2.n_positions) == (768, 12, 12, 1024)
    assert gpt2.vocab_size == GPT2_VOCAB_SIZE and gpt2.add_cross_attention
    with torch.device("meta"):
        plain_gpt2 = GPT2LMHeadModel(GPT2Config(**{**gpt2.to_dict(), "add_cross_attention": False}))
    assert sum(p.numel() for p in plain_gpt2.parameters()) == 124_439_808  # GPT-2 "124M"


def _one_line_error(options: ViTGPT2Options) -> str:
    with pytest.raises(FoodcapError) as raised:
        ViTGPT2Captioner.load(options)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_missing_model_folder_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    message = _one_line_error(ViTGPT2Options(model=str(missing), device="cpu"))
    assert str(missing) in message


def test_checkpoint_errors_are_one_line(tmp_path: Path, tiny_folder: Path) -> None:
    assert "does not exist" in _one_line_error(ViTGPT2Options(checkpoint=tmp_path / "gone"))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "has no weights" in _one_line_error(ViTGPT2Options(checkpoint=empty))
    (empty / "model.bin").write_bytes(b"not a weights file name foodcap reads")
    assert "has no weights" in _one_line_error(ViTGPT2Options(checkpoint=empty))
    (empty / "pytorch_model.bin").write_bytes(b"not loaded, ever")
    for name in ("tokenizer.json", "tokenizer_config.json", "preprocessor_config.json", "config.json"):
        (empty / name).write_bytes((tiny_folder / name).read_bytes())
    assert "not a PyTorch checkpoint" in _one_line_error(ViTGPT2Options(checkpoint=empty))
    other = tmp_path / "other"
    other.mkdir()
    (other / "model.safetensors").write_bytes((tiny_folder / "model.safetensors").read_bytes())
    (other / "foodcap.json").write_text('{"captioner": "llama-lora-1b"}')
    assert "llama-lora-1b" in _one_line_error(ViTGPT2Options(checkpoint=other))


def test_offline_hub_id_fails_fast_with_one_line(tmp_path: Path) -> None:
    """HF_HUB_OFFLINE and an uncached hub id: a clear message, no hang, no traceback."""
    script = (
        "from foodcap import FoodcapError\n"
        "from foodcap_vitgpt2.captioner import ViTGPT2Captioner, ViTGPT2Options\n"
        "try:\n"
        "    ViTGPT2Captioner.load(ViTGPT2Options(model='foodcap-tests/not-cached', device='cpu'))\n"
        "except FoodcapError as error:\n"
        "    print('FoodcapError:', error)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf-home")}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    lines = [line for line in result.stdout.splitlines() if line.startswith("FoodcapError:")]
    assert len(lines) == 1, result.stdout + result.stderr
    assert "foodcap-tests/not-cached" in lines[0]
    assert "unreachable" in lines[0] or "offline" in lines[0].lower()
