"""Per-image loop (the study's way) against batched captioning, side by side, in one run.

On a CUDA GPU the defaults are issue 6's settings: random full-size Gemma 3 12B in bfloat16,
1,350 images (a test split) at 274x169, exactly 32 new tokens per image (min = max). The loop
runs on a prefix of the images only (at ~0.5 images/s the whole split would take most of an
hour); its rate is what gets compared. Without CUDA it runs the tiny model with small settings.

The batched side goes through a DataLoader whose workers run the captioner's preprocessor, as
``foodcap run`` does, so its figure includes preprocessing and collation (not JPEG decoding:
the images are made in memory).

    python packages/foodcap-gemma/bench/bench_gemma.py                # defaults for this machine
    python packages/foodcap-gemma/bench/bench_gemma.py --images 256 --batch-size 32
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader

from foodcap_gemma.captioner import GemmaCaptioner, GemmaOptions

STUDY_HOURS = 11  # the study's Gemma 3 12B run over the test split, one image at a time


@dataclass(frozen=True)
class Timing:
    method: str
    images: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.images / self.seconds


def parse_args() -> argparse.Namespace:
    gpu = torch.cuda.is_available()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random-weights", choices=["tiny", "full"], default="full" if gpu else "tiny")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--images", type=int, default=1350 if gpu else 64, help="images for the batched run")
    parser.add_argument("--loop-images", type=int, default=64 if gpu else 32, help="images for the per-image loop")
    parser.add_argument("--batch-size", type=int, default=64 if gpu else 16)
    parser.add_argument("--workers", type=int, default=4 if gpu else 1, help="DataLoader workers")
    parser.add_argument("--new-tokens", type=int, default=32, help="forced answer length (min = max)")
    parser.add_argument("--width", type=int, default=274)
    parser.add_argument("--height", type=int, default=169)
    # The tiny model's ops are too small to share between threads: on CPU, extra threads only spin.
    parser.add_argument("--threads", type=int, default=None if gpu else 1, help="CPU threads for torch")
    return parser.parse_args()


def make_images(count: int, width: int, height: int) -> list[Image.Image]:
    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)) for _ in range(count)]


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_per_image_loop(captioner: GemmaCaptioner, images: list[Image.Image]) -> Timing:
    preprocess = captioner.preprocessor()
    synchronize(captioner.device)
    start = time.perf_counter()
    for image in images:
        captioner.generate(preprocess([image]))
    synchronize(captioner.device)
    return Timing("per-image loop (batch 1)", len(images), time.perf_counter() - start)


def time_batched(captioner: GemmaCaptioner, images: list[Image.Image], batch_size: int, workers: int) -> Timing:
    loader = DataLoader(
        images,
        batch_size=batch_size,
        collate_fn=captioner.preprocessor(),
        num_workers=workers,
        pin_memory=captioner.device.type == "cuda",
        persistent_workers=False,
    )
    synchronize(captioner.device)
    start = time.perf_counter()
    captions = [caption for batch in loader for caption in captioner.generate(batch)]
    synchronize(captioner.device)
    assert len(captions) == len(images)
    return Timing(f"batched (batch {batch_size}, {workers} workers)", len(images), time.perf_counter() - start)


def main() -> None:
    args = parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    options = GemmaOptions(
        random_weights=args.random_weights,
        device=args.device,
        generation={"max_new_tokens": args.new_tokens},
        min_new_tokens=args.new_tokens,
    )
    started = time.perf_counter()
    captioner = GemmaCaptioner.load(options)
    load_seconds = time.perf_counter() - started
    device = captioner.device
    machine = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    parameters = sum(p.numel() for p in captioner.model.parameters())
    print(f"machine: {machine}; torch {torch.__version__}")
    print(
        f"model: random {args.random_weights} Gemma 3 ({parameters / 1e6:,.1f}M parameters, "
        f"{str(captioner.model.dtype).removeprefix('torch.')}, {captioner.options.attention}), built in {load_seconds:.1f} s"
    )
    print(f"work: {args.width}x{args.height} images, {args.new_tokens} new tokens forced per image")

    images = make_images(max(args.images, args.loop_images), args.width, args.height)
    captioner.generate(captioner.preprocessor()(images[:2]))  # warm-up: kernels, allocator, caches

    loop = time_per_image_loop(captioner, images[: args.loop_images])
    batched = time_batched(captioner, images[: args.images], args.batch_size, args.workers)

    print()
    print("| method | images | seconds | images/s | speed-up |")
    print("|---|---:|---:|---:|---:|")
    for timing in (loop, batched):
        print(
            f"| {timing.method} | {timing.images} | {timing.seconds:.1f} | {timing.rate:.2f} | "
            f"{timing.rate / loop.rate:.1f}x |"
        )
    split = 1350
    print()
    print(
        f"a {split}-image test split: per-image loop {split / loop.rate / 60:.1f} min, batched "
        f"{split / batched.rate / 60:.1f} min (the study: about {STUDY_HOURS} h)"
    )
    if device.type == "cuda":
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated(device) / 2**30:.1f} GiB")


if __name__ == "__main__":
    main()
