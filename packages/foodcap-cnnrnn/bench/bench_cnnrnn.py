"""cnn-rnn training throughput: `foodcap train` beside a bare PyTorch loop on the same model, in one run.

Both train the same captioner (same random weights, the same vocabulary from the same train
titles) for the same epochs over the bundled sample's train split, at the same batch size and
learning rate, and each reports its last epoch (the first warms up):

  bare     the textbook loop: open each JPEG with PIL, run the image processor in the main process,
           ``model(**batch).loss``, backward, AdamW; one process, nothing overlapped
  foodcap  ``foodcap.train`` (what ``foodcap train`` runs): DataLoader workers decode and
           preprocess ahead of the model; the epoch's wall time from its history, val passes excluded

per freeze policy, plus ``--freeze encoder --cache-encoder`` (foodcap only: the bare loop has no cache;
its time to build the cache is printed beside it). The two alternate for ``--rounds`` rounds and the
best of each is shown, so a busy shared machine disturbs both alike. Defaults: the test-size encoder
(``--size tiny``, 32 px) on the CPU, the real ResNet-18 + GRU shapes (``--size full``, 224 px) on CUDA.

    python packages/foodcap-cnnrnn/bench/bench_cnnrnn.py
    python packages/foodcap-cnnrnn/bench/bench_cnnrnn.py --size full --limit 64
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from rich.console import Console

import foodcap
from foodcap.config import DataConfig
from foodcap.dataset.split_data import load_split_data
from foodcap.freeze import FreezeEncoder, TrainEverything
from foodcap.registry import get_registry
from foodcap_cnnrnn.captioner import CnnRnnCaptioner
from foodcap_cnnrnn.options import CnnRnnOptions


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captioner", default="cnn-rnn-baseline")
    parser.add_argument("--size", choices=["tiny", "full"], default="full" if torch.cuda.is_available() else "tiny")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N train images")
    parser.add_argument("--num-workers", type=int, default=None, help="foodcap's DataLoader workers (default: its own)")
    parser.add_argument("--rounds", type=int, default=3, help="alternate bare and foodcap this often; best shown")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (on a busy 2-core machine 2 threads run a step 10x slower than 1)",
    )
    return parser.parse_args()


def captioner_options(args: argparse.Namespace) -> dict[str, Any]:
    """The preset's options with random weights of the chosen size, as the registry builds them."""
    options = get_registry().captioner_options(args.captioner, {"random_weights": args.size})
    return options.model_dump(exclude_defaults=True)


def bare_epochs(args: argparse.Namespace, freeze: str, images: list[Path], titles: list[str]) -> float:
    """Images per second of the bare loop's last epoch."""
    torch.manual_seed(0)  # as foodcap train seeds (its --seed defaults to 0) before building the model
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    options = CnnRnnOptions.model_validate({**captioner_options(args), "device": str(device), "dtype": "float32"})
    captioner = CnnRnnCaptioner.load_for_training(options)
    captioner.learn_vocabulary(titles)
    (FreezeEncoder() if freeze == "encoder" else TrainEverything()).apply(captioner)
    model, collate = captioner.model, captioner.training_collator()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    rate = 0.0
    for _ in range(args.epochs):
        model.train()
        started = time.perf_counter()
        for start in range(0, len(images), args.batch_size):
            pictures = [Image.open(path).convert("RGB") for path in images[start : start + args.batch_size]]
            batch = collate(pictures, titles[start : start + args.batch_size])
            model(**{key: value.to(device) for key, value in batch.items()}).loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize()
        rate = len(images) / (time.perf_counter() - started)
    return rate


def foodcap_epochs(args: argparse.Namespace, freeze: str, cache: bool, count: int, out: Path) -> tuple[float, float]:
    """Images per second of foodcap's last training epoch, and the cache build's seconds (0 without)."""
    workers = {} if args.num_workers is None else {"num_workers": args.num_workers}
    summary = foodcap.train(
        args.captioner,
        **captioner_options(args),
        dataset="sample",
        batch_size=args.batch_size,
        limit=args.limit,
        metrics=[],
        epochs=args.epochs,
        lr=args.lr,
        freeze=freeze,
        cache_encoder=cache,
        test_eval=False,
        eval_every=args.epochs + 1,
        max_grad_norm=None,
        mixed_precision="no",  # float32 on both sides
        out=str(out),
        progress=False,
        **workers,
    )
    timings = json.loads((out / "run.json").read_text())["timings"]
    return count / summary.history[-1]["epoch_seconds"], timings.get("encoder_cache_seconds", 0.0)


def train_samples(args: argparse.Namespace) -> list[Any]:
    return load_split_data(DataConfig(dataset="sample", limit=args.limit)).training_samples("train", args.limit)


def main() -> None:
    args = parse()
    torch.set_num_threads(args.threads)
    samples = train_samples(args)
    images, titles = [sample.image for sample in samples], [sample.title for sample in samples]
    console = Console()
    console.print(
        f"{args.captioner}, random weights {args.size}, {len(images)} train images of the sample, "
        f"batch {args.batch_size}, {args.epochs} epochs (the last one timed), "
        f"{torch.get_num_threads()} torch threads"
    )
    console.print(f"{'':40}{'bare loop':>14}{'foodcap train':>16}{'ratio':>8}")
    with tempfile.TemporaryDirectory() as scratch:
        for freeze, cache in (("none", False), ("encoder", False), ("encoder", True)):
            label = f"--freeze {freeze}" + (" --cache-encoder" if cache else "")
            bare, ours, cache_seconds = 0.0, 0.0, float("inf")
            for round_ in range(args.rounds):
                bare = max(bare, bare_epochs(args, freeze, images, titles))
                out = Path(scratch) / f"{label.replace(' ', '')}-{round_}"
                rate, seconds = foodcap_epochs(args, freeze, cache, len(images), out)
                ours, cache_seconds = max(ours, rate), min(cache_seconds, seconds)
            note = f"  (cache built in {cache_seconds:.1f} s)" if cache else ""
            console.print(f"{label:40}{bare:>10.1f} i/s{ours:>12.1f} i/s{ours / bare:>7.2f}x{note}")


if __name__ == "__main__":
    main()
