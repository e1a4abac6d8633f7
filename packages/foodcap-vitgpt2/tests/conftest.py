"""Tiny ViT-GPT2 models built with the real transformers classes, saved like a hub folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import (
    GPT2Config,
    VisionEncoderDecoderConfig,
    VisionEncoderDecoderModel,
    ViTConfig,
    ViTImageProcessorPil,
)

from foodcap.backend.offline_tokenizer import train_offline_tokenizer
from foodcap_vitgpt2.captioner import ViTGPT2Captioner, ViTGPT2Options

# The machines running this suite have 2 shared cores; tiny models gain nothing from more threads.
torch.set_num_threads(1)

TITLES = [
    "Matzo Ball Soup",
    "Pickled Red Onions",
    "Roast Chicken with Lemon and Garlic",
    "Apple Pie with Cinnamon Crumble",
    "Caramelized Onions",
    "Beef Stew with Carrots and Onions",
    "Chocolate Chip Cookies",
    "Shrimp Tacos with Mango Salsa",
]


def build_tiny_folder(folder: Path) -> Path:
    """A 1-layer ViT + 1-layer GPT-2 (hidden 32) written with save_pretrained.

    Weights are drawn wider than usual (std 0.2) so that different images give clearly
    different captions instead of all collapsing to one.
    """
    tokenizer = train_offline_tokenizer(TITLES * 4, vocab_size=300)
    encoder = ViTConfig(
        image_size=32,
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        initializer_range=0.2,
    )
    decoder = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=40,
        n_embd=32,
        n_layer=1,
        n_head=2,
        add_cross_attention=True,
        initializer_range=0.2,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    torch.manual_seed(0)
    model = VisionEncoderDecoderModel(config=config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    ViTImageProcessorPil(size={"height": 32, "width": 32}, image_mean=[0.5] * 3, image_std=[0.5] * 3).save_pretrained(
        folder
    )
    return folder


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_folder(tmp_path_factory.mktemp("tiny-vit-gpt2"))


@pytest.fixture
def load_tiny(tiny_folder: Path) -> Callable[..., ViTGPT2Captioner]:
    """Load the tiny folder the way ``--model PATH`` does, with extra options."""

    def load(**options: object) -> ViTGPT2Captioner:
        return ViTGPT2Captioner.load(ViTGPT2Options(model=str(tiny_folder), device="cpu", **options))

    return load


@pytest.fixture(scope="session")
def food_images() -> list[Image.Image]:
    """Six distinct 274x169 images (the dataset's size): noise over different base colours."""
    generator = np.random.default_rng(0)
    images = []
    for index in range(6):
        base = np.array([40 * index, 255 - 40 * index, (90 * index) % 256], dtype=np.float64)
        noise = generator.normal(0, 40, size=(169, 274, 3))
        pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
        images.append(Image.fromarray(pixels, "RGB"))
    return images
