from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from foodcap_modelmetrics.tiny_weights import save_tiny_clip, save_tiny_roberta

# Captions and references shaped like the study's: one title per image, some with more references,
# one empty caption (the captioner wrote nothing) and one long enough to be cut at CLIP's 77 tokens.
CAPTIONS = [
    "Tomato soup with basil",
    "Pea soup",
    "a blueberry tart",
    "Lemon cake",
    "chocolate mousse with cream",
    "",
    "rice pudding " * 20,
    "Grilled salmon with lemon butter",
]
REFERENCES = [
    ["Tomato Soup"],
    ["Green Pea Soup", "Pea and Mint Soup"],
    ["Blueberry Tart"],
    ["Lemon Drizzle Cake"],
    ["Chocolate Mousse"],
    ["Pan Bagnat"],
    ["Rice Pudding", "Creamy Rice Pudding", "Arroz con Leche"],
    ["Lemony Salmon"],
]


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_clip(tmp_path_factory.mktemp("weights") / "clip")


@pytest.fixture(scope="session")
def tiny_roberta(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_roberta(tmp_path_factory.mktemp("weights") / "roberta")


@pytest.fixture(scope="session")
def image_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """One PNG (lossless, so every reader sees the same pixels) per caption: noise of different sizes and tints."""
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    paths = []
    for index in range(len(CAPTIONS)):
        height, width = 30 + 7 * index, 60 - 3 * index
        pixels = rng.integers(0, 256, (height, width, 3)) * (0.3 + 0.1 * index) % 256
        path = folder / f"{index}.png"
        Image.fromarray(pixels.astype(np.uint8)).save(path)
        paths.append(path)
    return paths
