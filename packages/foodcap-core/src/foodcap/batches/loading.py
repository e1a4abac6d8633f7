"""DataLoaders that decode JPEGs and preprocess them in worker processes while the model runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from PIL.Image import Image
from torch.utils.data import DataLoader, Dataset, Sampler

from ..captioner import Batch, ImagePreprocessor, TrainingCollator
from ..config import DEFAULT_PREFETCH_MB
from ..dataset import Sample, UnreadableImage, open_rgb
from .prefetch import bounded_plan


@dataclass
class DecodedBatch:
    """One batch: the samples that decoded, their model inputs, and what went wrong or was repaired."""

    samples: list[Sample]
    inputs: Batch
    failures: list[tuple[Sample, str]] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

    def to(self, device: torch.device | str, non_blocking: bool = False) -> DecodedBatch:
        """Lets accelerate's prepared DataLoader move the model inputs to the training device."""
        self.inputs = {k: v.to(device, non_blocking=non_blocking) for k, v in self.inputs.items()}
        return self

    def pin_memory(self) -> DecodedBatch:
        """Called by the DataLoader's pinning thread so host-to-GPU copies can be asynchronous."""
        self.inputs = {key: value.pin_memory() for key, value in self.inputs.items()}
        return self


class _SampleList(Dataset[Sample]):
    def __init__(self, samples: Sequence[Sample]) -> None:
        self.samples = list(samples)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> Sample:
        return self.samples[index]


def decode_all(samples: Sequence[Sample]) -> tuple[list[Sample], list[Image], list[tuple[Sample, str]], list[str]]:
    """Decode each sample's image to RGB; an unreadable one is reported, never fatal."""
    kept, images, failures, repairs = [], [], [], []
    for sample in samples:
        try:
            image, repair = open_rgb(sample.image)
        except UnreadableImage as error:
            failures.append((sample, error.reason))
            continue
        kept.append(sample)
        images.append(image)
        if repair:
            repairs.append(repair)
    return kept, images, failures, repairs


class CaptionCollate:
    """Worker-side collate for inference: decode, then the captioner's preprocessor."""

    def __init__(self, preprocessor: ImagePreprocessor) -> None:
        self.preprocessor = preprocessor

    def __call__(self, samples: list[Sample]) -> DecodedBatch:
        kept, images, failures, repairs = decode_all(samples)
        inputs = self.preprocessor(images) if images else {}
        return DecodedBatch(kept, inputs, failures, repairs)


class TrainingCollate:
    """Worker-side collate for training: decode, then the captioner's training collator (adds labels)."""

    def __init__(self, collator: TrainingCollator) -> None:
        self.collator = collator

    def __call__(self, samples: list[Sample]) -> DecodedBatch:
        kept, images, failures, repairs = decode_all(samples)
        inputs = self.collator(images, [sample.title for sample in kept]) if images else {}
        return DecodedBatch(kept, inputs, failures, repairs)


def _one_thread_per_worker(_: int) -> None:
    # Workers decode JPEGs; letting each also spawn a full torch thread pool oversubscribes the CPU.
    torch.set_num_threads(1)


def batch_loader(
    samples: Sequence[Sample],
    collate: Callable[[list[Sample]], DecodedBatch],
    batch_size: int,
    num_workers: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    prefetch_bytes: int = DEFAULT_PREFETCH_MB * 2**20,
    batches: Sampler[list[int]] | None = None,
) -> DataLoader[DecodedBatch]:
    """Batches in order (or shuffled by ``generator``), prepared ``num_workers`` at a time ahead of use,
    with at most ``prefetch_bytes`` of decoded batches waiting (see prefetch.py).

    A loader without its own generator draws worker seeds from torch's global RNG, which would
    shift dropout noise in training whenever an extra pass (caching, scoring) runs; so always pass one.
    """
    plan = bounded_plan(collate, samples, batch_size, num_workers, prefetch_bytes)
    # collate_fn turns the dataset's Samples into DecodedBatches, which mypy cannot follow.
    return DataLoader(
        _SampleList(samples),  # type: ignore[arg-type]
        batch_size=batch_size if batches is None else 1,
        shuffle=shuffle,
        batch_sampler=batches,  # training's step plan (which samples this rank takes at each step)
        generator=generator or torch.Generator().manual_seed(0),
        num_workers=plan.num_workers,
        collate_fn=collate,
        worker_init_fn=_one_thread_per_worker if plan.num_workers else None,
        prefetch_factor=plan.prefetch_factor,
        pin_memory=torch.cuda.is_available(),
    )
