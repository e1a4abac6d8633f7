"""``foodcap bench``: measure the runner against the loops it replaces, on this machine."""

from __future__ import annotations

import platform
import tempfile
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from .. import api
from ..config import default_workers


@click.command("bench")
@click.option("--captioner", default="vit-gpt2", show_default=True, help="Registered captioner to time.")
@click.option("--random-weights", type=click.Choice(["tiny", "full"]), default="tiny", show_default=True)
@click.option("--model", default=None, help="Time a real model (hub id or folder) instead of random weights.")
@click.option("--dataset", default="sample", show_default=True, help="Images to use (repeated as needed).")
@click.option("--images", default=512, show_default=True, help="How many images each variant processes.")
@click.option("--batch-size", default=32, show_default=True)
@click.option("--num-workers", default=default_workers(), show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option(
    "--training/--no-training",
    default=True,
    show_default=True,
    help="Also time training epochs with a frozen encoder, with and without --cache-encoder.",
)
def bench_command(
    captioner: str,
    random_weights: str,
    model: str | None,
    dataset: str,
    images: int,
    batch_size: int,
    num_workers: int,
    device: str,
    training: bool,
) -> None:
    """Data pipeline vs a bare decode loop, batched captioning vs a per-image loop, and cached-encoder epochs."""
    import torch

    from ..runs.bench import cache_table, run_benchmarks, training_epochs

    console = Console()
    values: dict[str, Any] = {"model": model} if model else {"random_weights": random_weights}
    samples = api.load_dataset(dataset).samples
    samples = (samples * (images // max(1, len(samples)) + 1))[:images]
    loaded = api.load_captioner(captioner, **values, device=device)
    console.print(
        f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
        f"device {loaded.device}" + (f" ({torch.cuda.get_device_name()})" if loaded.device.type == "cuda" else "")
    )
    run_benchmarks(loaded, samples, batch_size, num_workers, console)
    if training:
        with tempfile.TemporaryDirectory() as scratch:
            timings = [
                training_epochs(captioner, values, dataset, batch_size, num_workers, cache, Path(scratch) / str(cache))
                for cache in (False, True)
            ]
        console.print(cache_table(*timings))
