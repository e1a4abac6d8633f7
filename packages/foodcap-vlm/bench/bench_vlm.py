"""Per-image loop against batched captioning for every family, and foodcap's LoRA training against a
bare peft loop on the same model, side by side in one run.

Captioning: the same images, exactly ``--new-tokens`` answer tokens each (min = max), first one by
one (the study's way), then in batches; both in-process, so the figures compare the model calls.
Training: ``foodcap train`` (accelerate, DataLoader, freeze policy, val loss, checkpoints) on the
bundled sample, against a bare loop that a user would write with peft alone: the same model, LoRA
settings, collator, batch size and optimizer, images decoded in-process.

    python packages/foodcap-vlm/bench/bench_vlm.py                     # tiny, every family, CPU
    python packages/foodcap-vlm/bench/bench_vlm.py --families gemma3 --images 64 --batch-size 16
    python packages/foodcap-vlm/bench/bench_vlm.py --model google/gemma-3-4b-it --device cuda --batch-size 64 \
        --images 512   # a real 4B checkpoint on a GPU
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from rich.console import Console

from foodcap.config import DataConfig, EvalConfig
from foodcap.dataset import load_kaggle_dataset, open_rgb, split_manifest
from foodcap.registry import get_registry
from foodcap.training import TrainConfig, TrainOptions, train
from foodcap_vlm.captioner import VlmCaptioner
from foodcap_vlm.families import FAMILIES
from foodcap_vlm.options import VlmOptions

PRESET = {
    "gemma3": "gemma-3-4b",
    "qwen2_5_vl": "qwen2.5-vl-3b",
    "idefics3": "smolvlm-256m",
    "paligemma": "paligemma2-3b",
}


def parse_args() -> argparse.Namespace:
    gpu = torch.cuda.is_available()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma-separated model types")
    parser.add_argument("--random-weights", choices=["tiny", "full"], default="tiny")
    parser.add_argument("--model", default=None, help="a hub id or folder instead of random weights (one family)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--images", type=int, default=32, help="images captioned each way")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--new-tokens", type=int, default=16, help="forced answer length (min = max)")
    parser.add_argument("--train-family", default="gemma3", help="family of the training comparison ('' skips it)")
    parser.add_argument("--train-images", type=int, default=64, help="train-split images per epoch")
    parser.add_argument("--train-epochs", type=int, default=2)
    # The tiny models' ops are too small to share between threads: on CPU, extra threads only spin.
    parser.add_argument("--threads", type=int, default=None if gpu else 1, help="CPU threads for torch")
    return parser.parse_args()


def make_images(count: int) -> list[Image.Image]:
    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 256, (169, 274, 3), dtype=np.uint8)) for _ in range(count)]


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def caption_rates(captioner: VlmCaptioner, images: list[Image.Image], batch_size: int) -> tuple[float, float]:
    """Images per second one by one, then in batches (preprocessing included in both)."""
    preprocess = captioner.preprocessor()
    captioner.generate(preprocess(images[:2]))  # warm-up
    rates = []
    for size in (1, batch_size):
        synchronize(captioner.device)
        start = time.perf_counter()
        for i in range(0, len(images), size):
            captioner.generate(preprocess(images[i : i + size]))
        synchronize(captioner.device)
        rates.append(len(images) / (time.perf_counter() - start))
    return rates[0], rates[1]


def foodcap_training_rate(family: str, args: argparse.Namespace, folder: Path) -> float:
    weights = {"model": args.model} if args.model else {"random_weights": args.random_weights}
    config = TrainConfig(
        captioner="vlm" if args.model else PRESET[family],
        options={**weights, "device": args.device},
        out=folder,
        data=DataConfig(dataset="sample", batch_size=args.batch_size, num_workers=0, limit=args.train_images),
        evaluation=EvalConfig(metrics=[]),
        train=TrainOptions(epochs=args.train_epochs, lr=1e-3, test_eval=False),
    )
    train(config, get_registry(), Console(quiet=True))
    history = [json.loads(line) for line in (folder / "history.jsonl").read_text().splitlines()]
    return float(history[-1]["train_images_per_second"])  # the last epoch: no warm-up inside


def bare_peft_rate(family: str, args: argparse.Namespace) -> float:
    """What a user writes with peft alone: same model, LoRA, collator, batches and optimizer."""
    captioner = VlmCaptioner.load_for_training(
        VlmOptions(
            model=args.model,
            random_weights=None if args.model else args.random_weights,
            family=None if args.model else family,
            device=args.device,
            dtype="float32",
        )
    )
    model = captioner.model
    model.requires_grad_(False)
    for name, parameter in model.named_parameters():
        parameter.requires_grad_("lora_" in name or "modules_to_save" in name)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    collate = captioner.training_collator()
    dataset = load_kaggle_dataset("sample", workers=1)
    samples = dataset.select(split_manifest(dataset.samples).ids("train"))[: args.train_images]
    model.train()
    rate = 0.0
    for _ in range(args.train_epochs):
        start = time.perf_counter()
        for i in range(0, len(samples), args.batch_size):
            chunk = samples[i : i + args.batch_size]
            batch = collate([open_rgb(s.image)[0] for s in chunk], [s.title for s in chunk])
            batch = {key: value.to(captioner.device) for key, value in batch.items()}
            model(**batch).loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        synchronize(captioner.device)
        rate = len(samples) / (time.perf_counter() - start)
    return rate


def main() -> None:
    args = parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    images = make_images(args.images)
    device = torch.device(
        "cuda"
        if args.device == "auto" and torch.cuda.is_available()
        else "cpu"
        if args.device == "auto"
        else args.device
    )
    machine = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"machine: {machine}; torch {torch.__version__}")
    print(
        f"work: {args.images} images at 274x169, {args.new_tokens} new tokens forced per image, "
        f"batch {args.batch_size}, random {args.random_weights} weights\n"
    )
    print("| family | parameters | image tokens | per-image (images/s) | batched (images/s) | speed-up |")
    print("|---|---:|---:|---:|---:|---:|")
    for family in [None] if args.model else args.families.split(","):
        captioner = VlmCaptioner.load(
            VlmOptions(
                model=args.model,
                random_weights=None if args.model else args.random_weights,
                family=family,
                device=args.device,
                generation={"max_new_tokens": args.new_tokens},
                min_new_tokens=args.new_tokens,
            )
        )
        parameters = sum(p.numel() for p in captioner.model.parameters())
        batch = captioner.preprocessor()(images[:1])
        image_tokens = int((batch["input_ids"] == captioner.base_model.config.image_token_id).sum())
        single, batched = caption_rates(captioner, images, args.batch_size)
        print(
            f"| {captioner.family.label} | {parameters / 1e6:.2f}M | {image_tokens} | {single:.1f} | "
            f"{batched:.1f} | {batched / single:.1f}x |"
        )
    if args.train_family:
        with tempfile.TemporaryDirectory() as folder:
            ours = foodcap_training_rate(args.train_family, args, Path(folder) / "train")
        bare = bare_peft_rate(args.train_family, args)
        label = args.model or FAMILIES[args.train_family].label
        print(
            f"\nLoRA training, {label}, {args.train_images} images x "
            f"{args.train_epochs} epochs, batch {args.batch_size} (last epoch):"
        )
        print("| loop | images/s | of bare |")
        print("|---|---:|---:|")
        print(f"| bare peft loop | {bare:.1f} | 100% |")
        print(f"| foodcap train (--freeze lora) | {ours:.1f} | {100 * ours / bare:.0f}% |")


if __name__ == "__main__":
    main()
