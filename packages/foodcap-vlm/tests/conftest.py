"""Tiny random-weight models of every family, built from the real transformers classes, and test data."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest
import torch
from PIL import Image

from foodcap.dataset import Sample, load_kaggle_dataset, split_manifest
from foodcap_vlm.captioner import VlmCaptioner
from foodcap_vlm.families import FAMILIES
from foodcap_vlm.options import VlmOptions

FAMILY_NAMES = sorted(FAMILIES)
_captioners: dict[str, VlmCaptioner] = {}


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread() -> Iterator[None]:
    """Two shared CPU cores: for these tiny models one intra-op thread beats two threads fighting."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_captioner(family: str, **options: object) -> VlmCaptioner:
    return VlmCaptioner.load(
        VlmOptions.model_validate(
            {
                "random_weights": "tiny",
                "family": family,
                "device": "cpu",
                "dtype": "float32",
                "generation": {"max_new_tokens": 8},
                **options,
            }
        )
    )


@pytest.fixture(scope="session")
def tiny() -> Callable[..., VlmCaptioner]:
    """``tiny(family, **options)``: a fresh tiny captioner with these options."""
    return tiny_captioner


@pytest.fixture(params=FAMILY_NAMES)
def captioner(request: pytest.FixtureRequest) -> VlmCaptioner:
    """One zero-shot tiny captioner per family, built once per session."""
    if request.param not in _captioners:
        _captioners[request.param] = tiny_captioner(request.param)
    return _captioners[request.param]


@pytest.fixture(scope="session")
def images() -> list[Image.Image]:
    """Eight different photos-to-be: noise of different sizes (the study's 274x169 among them)."""
    rng = np.random.default_rng(0)
    sizes = [(274, 169), (169, 274), (64, 64), (300, 200), (274, 169), (32, 48), (120, 90), (274, 169)]
    return [Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)) for w, h in sizes]


@pytest.fixture(scope="session")
def splits() -> dict[str, list[Sample]]:
    """The bundled sample's train/val/test samples, split as foodcap run splits them."""
    dataset = load_kaggle_dataset("sample", workers=1)
    manifest = split_manifest(dataset.samples)
    return {split: dataset.select(manifest.ids(split)) for split in ("train", "val", "test")}
