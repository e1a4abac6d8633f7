"""Frozen-encoder caching: run the encoder once per image, then train on its stored outputs."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from rich.console import Console
from torch.utils.data import DataLoader, Dataset, Sampler

from ..batches.loading import CaptionCollate, DecodedBatch, batch_loader
from ..captioner import Batch, TrainableCaptioner
from ..dataset import Sample
from ..errors import FoodcapError
from ..runs.progress import image_progress


class CachedEncoderOutputs(Dataset[tuple[Sample, Batch]]):
    """Per-image encoder outputs (on CPU) with the sample they belong to."""

    def __init__(self, items: list[tuple[Sample, Batch]]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> tuple[Sample, Batch]:
        return self.items[index]


class CachedCollate:
    """Stacks cached encoder outputs and adds the titles' labels from the captioner."""

    def __init__(self, captioner: TrainableCaptioner) -> None:
        self.captioner = captioner

    def __call__(self, items: list[tuple[Sample, Batch]]) -> DecodedBatch:
        samples = [sample for sample, _ in items]
        stacked = {key: torch.stack([features[key] for _, features in items]) for key in items[0][1]}
        return DecodedBatch(samples, {**stacked, **self.captioner.text_batch([s.title for s in samples])})


def check_cacheable(captioner: TrainableCaptioner) -> None:
    key = captioner.encoder_cache_key()
    encoder = captioner.components().get("encoder")
    if key is None or encoder is None:
        raise FoodcapError(f"--cache-encoder is not supported by captioner {captioner.name!r}")
    if any(parameter.requires_grad for parameter in encoder.parameters()):
        raise FoodcapError("--cache-encoder needs a frozen encoder: use it with --freeze encoder (or lora)")


@torch.inference_mode()
def build_cache(
    captioner: TrainableCaptioner,
    samples: Sequence[Sample],
    batch_size: int,
    num_workers: int,
    console: Console,
    dtype: torch.dtype | None = None,
) -> CachedEncoderOutputs:
    """Decode and encode every image once; unreadable images are left out (and were counted at load).

    ``dtype`` stores the outputs smaller (bf16 under bf16 mixed precision halves the cache's memory).
    """
    loader = batch_loader(samples, CaptionCollate(captioner.preprocessor()), batch_size, num_workers)
    items: list[tuple[Sample, Batch]] = []
    with image_progress(console) as progress:
        task = progress.add_task("caching encoder outputs", total=len(samples))
        for batch in loader:
            if batch.samples:
                encoded = captioner.encode_for_cache(batch.inputs)
                for index, sample in enumerate(batch.samples):
                    items.append(
                        (sample, {key: value[index].to("cpu", dtype or value.dtype) for key, value in encoded.items()})
                    )
            progress.advance(task, len(batch.samples) + len(batch.failures))
    return CachedEncoderOutputs(items)


def cached_loader(
    cache: CachedEncoderOutputs,
    captioner: TrainableCaptioner,
    batch_size: int,
    batches: Sampler[list[int]] | None = None,
) -> DataLoader[DecodedBatch]:
    """Batches of cached outputs in order, or as ``batches`` (training's step plan) picks them."""
    # In-process: stacking stored tensors is cheap, and the collate holds the model (must not be pickled).
    return DataLoader(
        cache,  # type: ignore[arg-type]  # collate_fn builds DecodedBatches
        batch_size=batch_size if batches is None else 1,
        batch_sampler=batches,
        generator=torch.Generator(),  # its seed draw must not touch the global RNG (dropout)
        collate_fn=CachedCollate(captioner),
        num_workers=0,
    )
