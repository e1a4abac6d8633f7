"""`foodcap bench`: the runner against the naive loops it replaces, side by side on this machine."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

from ..batches import CaptionCollate, batch_loader
from ..captioner import Captioner
from ..dataset import Sample, open_rgb
from .captioning import CaptionLog, caption_batches


@dataclass
class Timing:
    label: str
    images: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.images / self.seconds if self.seconds else 0.0


def timed(label: str, images: int, work: Callable[[], None]) -> Timing:
    started = time.perf_counter()
    work()
    return Timing(label, images, time.perf_counter() - started)


def bare_preprocess_loop(captioner: Captioner, samples: list[Sample], batch_size: int) -> None:
    """The baseline: decode with PIL and preprocess, batch by batch, in this process."""
    preprocess = captioner.preprocessor()
    for start in range(0, len(samples), batch_size):
        preprocess([open_rgb(s.image)[0] for s in samples[start : start + batch_size]])


def pipeline_only(captioner: Captioner, samples: list[Sample], batch_size: int, workers: int) -> None:
    """The runner's DataLoader with nothing consuming it."""
    for _ in batch_loader(samples, CaptionCollate(captioner.preprocessor()), batch_size, workers):
        pass


def per_image_loop(captioner: Captioner, samples: list[Sample]) -> None:
    """The study's way: open, preprocess and generate one image at a time."""
    preprocess = captioner.preprocessor()
    for sample in samples:
        captioner.generate(preprocess([open_rgb(sample.image)[0]]))


def batched_run(captioner: Captioner, samples: list[Sample], batch_size: int, workers: int) -> None:
    quiet = Console(quiet=True)
    for _ in caption_batches(captioner, samples, batch_size, workers, quiet, CaptionLog()):
        pass


def compare_table(title: str, baseline: Timing, candidate: Timing, goal: str) -> Table:
    table = Table(title=title)
    for column in ("", "images", "seconds", "images/s"):
        table.add_column(column, justify="right" if column else "left")
    for timing in (baseline, candidate):
        table.add_row(timing.label, str(timing.images), f"{timing.seconds:.2f}", f"{timing.rate:,.1f}")
    ratio = candidate.rate / baseline.rate if baseline.rate else float("nan")
    table.caption = f"ratio {ratio:.2f}x (goal: {goal})"
    return table


def run_benchmarks(
    captioner: Captioner, samples: list[Sample], batch_size: int, workers: int, console: Console
) -> list[tuple[Timing, Timing]]:
    """Both comparisons; returns the timings for callers that record them."""
    with torch.inference_mode():
        per_image_loop(captioner, samples[:batch_size])  # warm-up: first calls allocate and compile
    pairs = []
    bare = timed(
        "bare PIL decode + preprocess loop", len(samples), lambda: bare_preprocess_loop(captioner, samples, batch_size)
    )
    piped = timed(
        f"runner pipeline ({workers} workers)",
        len(samples),
        lambda: pipeline_only(captioner, samples, batch_size, workers),
    )
    console.print(compare_table("data pipeline", bare, piped, ">= 0.9x"))
    pairs.append((bare, piped))
    single = timed("per-image generate loop", len(samples), lambda: per_image_loop(captioner, samples))
    batched = timed(
        f"batched foodcap run (batch {batch_size})",
        len(samples),
        lambda: batched_run(captioner, samples, batch_size, workers),
    )
    console.print(compare_table(f"captioning ({captioner.name})", single, batched, ">= 4x"))
    pairs.append((single, batched))
    return pairs


def training_epochs(
    captioner: str,
    options: Mapping[str, object],
    dataset: str,
    batch_size: int,
    workers: int,
    cache_encoder: bool,
    out: Path,
    epochs: int = 3,
) -> tuple[float, float]:
    """(mean epoch seconds after the first, total wall seconds) of `foodcap train --freeze encoder`."""
    from ..config import DataConfig, EvalConfig
    from ..registry import get_registry
    from ..training import TrainConfig, TrainOptions, train

    config = TrainConfig(
        captioner=captioner,
        options=dict(options),
        out=out,
        data=DataConfig(dataset=dataset, batch_size=batch_size, num_workers=workers),
        evaluation=EvalConfig(metrics=[]),
        train=TrainOptions(freeze="encoder", epochs=epochs, cache_encoder=cache_encoder, test_eval=False),
    )
    started = time.perf_counter()
    history = train(config, get_registry(), Console(quiet=True)).history
    later = [row["epoch_seconds"] for row in history[1:]] or [history[0]["epoch_seconds"]]
    return sum(later) / len(later), time.perf_counter() - started


def cache_table(plain: tuple[float, float], cached: tuple[float, float]) -> Table:
    table = Table(title="training epoch with a frozen encoder")
    for column in ("", "epoch seconds", "run seconds (incl. caching)"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row("--freeze encoder", f"{plain[0]:.2f}", f"{plain[1]:.2f}")
    table.add_row("+ --cache-encoder", f"{cached[0]:.2f}", f"{cached[1]:.2f}")
    table.caption = f"epoch speed-up {plain[0] / cached[0]:.2f}x"
    return table
