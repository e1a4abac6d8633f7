"""Shared fixtures: one tiny random-weight Gemma 3, saved once and loaded the way users load models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from foodcap_gemma.captioner import GemmaCaptioner, GemmaOptions
from foodcap_vlm.families import FAMILIES
from foodcap_vlm.random_weights import save_random

# Tiny models gain nothing from threads, and on a shared machine extra threads only spin.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_random(FAMILIES["gemma3"].random_builder, "tiny", tmp_path_factory.mktemp("tiny-gemma"))


@pytest.fixture(scope="session")
def captioner(tiny_folder: Path) -> GemmaCaptioner:
    """Loaded through ``--model PATH``, the same from_pretrained path as a hub checkpoint."""
    torch.manual_seed(0)
    return GemmaCaptioner.load(GemmaOptions(model=str(tiny_folder), device="cpu", dtype="float32"))


@pytest.fixture(scope="session")
def images() -> list[Image.Image]:
    """Eight different photos-to-be: noise of different sizes (the study's 274x169 among them)."""
    rng = np.random.default_rng(0)
    sizes = [(274, 169), (169, 274), (64, 64), (300, 200), (274, 169), (32, 48), (120, 90), (274, 169)]
    return [Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)) for w, h in sizes]
