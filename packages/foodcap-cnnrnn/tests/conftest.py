"""Tiny random-weight cnn-rnn captioners and the bundled sample's images, shared by the tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from PIL.Image import Image

from foodcap.dataset import load_kaggle_dataset, open_rgb, split_manifest
from foodcap_cnnrnn.captioner import CnnRnnCaptioner
from foodcap_cnnrnn.options import CnnRnnOptions

Pairs = list[tuple[Image, str]]


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread() -> Iterator[None]:
    """Two shared CPU cores: for these tiny models one intra-op thread beats two threads fighting."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_options(**overrides: Any) -> CnnRnnOptions:
    """A tiny random encoder and a small decoder on CPU in float32; keyword arguments override."""
    values: dict[str, Any] = {
        "random_weights": "tiny",
        "device": "cpu",
        "dtype": "float32",
        "hidden_size": 64,
        "embedding_size": 32,
        "dropout": 0.0,
    }
    return CnnRnnOptions.model_validate({**values, **overrides})


@pytest.fixture(scope="session")
def options() -> Callable[..., CnnRnnOptions]:
    return tiny_options


@pytest.fixture(scope="session")
def sample_pairs() -> dict[str, Pairs]:
    """The bundled sample's train, val and test (image, title) pairs: each title names what is drawn."""
    dataset = load_kaggle_dataset("sample", workers=1)
    manifest = split_manifest(dataset.samples)
    by_id = {sample.id: sample for sample in dataset.samples}
    return {
        split: [(open_rgb(by_id[i].image)[0], by_id[i].title) for i in manifest.ids(split)]
        for split in ("train", "val", "test")
    }


def new_captioner(train_titles: list[str], seed: int = 0, **overrides: Any) -> CnnRnnCaptioner:
    """A captioner as `foodcap train` starts it: loaded for training, vocabulary from the train titles."""
    torch.manual_seed(seed)
    captioner = CnnRnnCaptioner.load_for_training(tiny_options(**overrides))
    captioner.learn_vocabulary(train_titles)
    return captioner


def train_steps(
    captioner: CnnRnnCaptioner, pairs: Pairs, steps: int, lr: float = 1e-2, batch_size: int = 16, seed: int = 0
) -> None:
    """A minimal loop over the public interface: AdamW on trainable parameters, ``captioner.loss``,
    images preprocessed once and batches drawn with a seeded generator."""
    model = captioner.model
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    pixels = captioner.preprocessor()([image for image, _ in pairs])["pixel_values"]
    titles = [title for _, title in pairs]
    draw = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(steps):
        rows = torch.randint(len(pairs), (batch_size,), generator=draw).tolist()
        batch = {"pixel_values": pixels[rows], **captioner.text_batch([titles[row] for row in rows])}
        captioner.loss(model, batch).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    model.eval()


@torch.no_grad()
def mean_loss(captioner: CnnRnnCaptioner, pairs: Pairs) -> float:
    """The loss over all of ``pairs`` in one batch, in evaluation mode."""
    captioner.model.eval()
    batch = captioner.training_collator()([image for image, _ in pairs], [title for _, title in pairs])
    return float(captioner.loss(captioner.model, batch))


@pytest.fixture(scope="session")
def trained(sample_pairs: dict[str, Pairs]) -> CnnRnnCaptioner:
    """A tiny ResNet-18 + GRU trained briefly on the sample's train split (everything trains)."""
    train = sample_pairs["train"]
    captioner = new_captioner([title for _, title in train])
    train_steps(captioner, train, steps=200, lr=3e-3)
    return captioner
