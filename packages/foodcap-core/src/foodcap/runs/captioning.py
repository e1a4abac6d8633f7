"""Captioning samples in pipelined batches: the batch loop, its log, and what a folder still lacks.

The runner, the trainer's val/test captioning and ``foodcap bench`` all caption through here.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from ..batches import CaptionCollate, DecodedBatch, batch_loader
from ..captioner import Captioner
from ..config import DEFAULT_PREFETCH_MB, DataConfig
from ..dataset import Sample
from .folder import RunFolder
from .progress import image_progress


@dataclass
class CaptionLog:
    """What happened to images while captioning: decode failures by id and repairs by reason."""

    failures: dict[str, str] = field(default_factory=dict)
    repairs: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    captioned: int = 0

    def note(self, batch: DecodedBatch) -> None:
        for sample, reason in batch.failures:
            self.failures[sample.id] = reason
        for repair in batch.repairs:
            self.add_repairs({repair: 1})
        self.captioned += len(batch.samples)

    def add_repairs(self, repairs: Mapping[str, int]) -> None:
        for reason, count in repairs.items():
            self.repairs[reason] = self.repairs.get(reason, 0) + count

    def totals(self) -> dict[str, Any]:
        """What a part's "done" status records of its captioning."""
        return {
            "images": self.captioned,
            "failures": len(self.failures),
            "repairs": self.repairs,
            "seconds": self.seconds,
            "images_per_second": self.captioned / self.seconds if self.seconds else 0.0,
        }

    @classmethod
    def combined(cls, logs: Iterable[CaptionLog]) -> CaptionLog:
        """The logs of processes that captioned side by side: failures and repairs added, the longest time."""
        combined = cls()
        for log in logs:
            combined.failures.update(log.failures)
            combined.add_repairs(log.repairs)
            combined.captioned += log.captioned
            combined.seconds = max(combined.seconds, log.seconds)
        return combined


def captioned(
    captioner: Captioner, samples: list[Sample], data: DataConfig, log: CaptionLog
) -> Iterator[tuple[DecodedBatch, list[str]]]:
    """Decoded batches (decoding runs ahead in workers) with their captions; ``log`` keeps count."""
    loader = batch_loader(
        samples,
        CaptionCollate(captioner.preprocessor()),
        data.batch_size,
        data.num_workers,
        prefetch_bytes=data.prefetch_mb * 2**20,
    )
    started = time.perf_counter()
    for batch in loader:
        log.note(batch)
        yield batch, captioner.generate(batch.inputs) if batch.samples else []
    log.seconds += time.perf_counter() - started


def caption_batches(
    captioner: Captioner,
    samples: list[Sample],
    batch_size: int,
    num_workers: int,
    console: Console,
    log: CaptionLog,
    prefetch_bytes: int = DEFAULT_PREFETCH_MB * 2**20,
) -> Iterator[tuple[list[Sample], list[str]]]:
    """Caption ``samples`` with a progress bar, yielding (samples, captions) (val captioning in training)."""
    data = DataConfig(batch_size=batch_size, num_workers=num_workers, prefetch_mb=max(1, prefetch_bytes // 2**20))
    with image_progress(console) as progress:
        task = progress.add_task(f"captioning ({captioner.name})", total=len(samples))
        for batch, captions in captioned(captioner, samples, data, log):
            if batch.samples:
                yield batch.samples, captions
            progress.advance(task, len(batch.samples) + len(batch.failures))


def pending(folder: RunFolder, samples: list[Sample]) -> list[Sample]:
    """The samples that ``folder`` holds no caption for yet (all of them in a new run)."""
    done = folder.captioned_ids()
    return [sample for sample in samples if sample.id not in done]
