"""The judge metric: one caption per forward pass (the obvious loop) against foodcap's batches, side by side.

Both ask the same questions about the same photos in-process (question rendering and preprocessing
included) and read the same P(yes); the largest difference between the two sets of scores is printed
too, as the batch-invariance check at benchmark size.

    python packages/foodcap-vlm/bench/bench_judge.py                          # tiny, every family, CPU
    python packages/foodcap-vlm/bench/bench_judge.py --judges qwen2.5-vl-7b --random-weights none \
        --device cuda --captions 512 --batch-size 32                          # a downloaded judge on a GPU
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np
import torch
from PIL import Image

from foodcap.backend import sample_titles
from foodcap_vlm.judge.metric import VlmJudge
from foodcap_vlm.judge.options import JudgeOptions

TINY_JUDGES = "gemma-3-4b,qwen2.5-vl-3b,smolvlm-256m,paligemma2-3b"


def parse_args() -> argparse.Namespace:
    gpu = torch.cuda.is_available()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judges", default=TINY_JUDGES, help="comma-separated presets, hub ids or folders")
    parser.add_argument("--random-weights", choices=["tiny", "none"], default="tiny")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--captions", type=int, default=64, help="captions judged each way")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--mode", choices=["dish", "image"], default="dish")
    # The tiny models' ops are too small to share between threads: on CPU, extra threads only spin.
    parser.add_argument("--threads", type=int, default=None if gpu else 1, help="CPU threads for torch")
    return parser.parse_args()


def corpus(count: int) -> tuple[list[str], list[list[str]], list[Image.Image]]:
    """Titles of the bundled sample as references, captions of varied length, 274x169 noise photos."""
    rng = np.random.default_rng(0)
    titles = list(sample_titles())
    references = [[titles[i % len(titles)]] for i in range(count)]
    captions = [" ".join(titles[(i * 7 + k) % len(titles)] for k in range(1 + i % 3)) for i in range(count)]
    images = [Image.fromarray(rng.integers(0, 256, (169, 274, 3), dtype=np.uint8)) for _ in range(count)]
    return captions, references, images


def rate(
    judge: VlmJudge, captions: list[str], references: list[list[str]], images: list[Image.Image], device: torch.device
) -> tuple[float, list[float]]:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    scores = judge.compute(captions, references, images).per_sample
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return len(captions) / (time.perf_counter() - start), scores


def main() -> None:
    args = parse_args()
    if args.random_weights == "tiny":  # a random judge always puts little mass on yes/no: no warning per pass
        logging.getLogger("foodcap").setLevel(logging.ERROR)
    if args.threads:
        torch.set_num_threads(args.threads)
    captions, references, images = corpus(args.captions)
    random = None if args.random_weights == "none" else args.random_weights
    print(
        f"{args.captions} captions, mode {args.mode}, batch {args.batch_size}, torch threads {torch.get_num_threads()}"
    )
    print(
        f"{'judge':<16} {'device':<8} {'one by one (captions/s)':>24} {'batched (captions/s)':>21} {'speed-up':>9} "
        f"{'max |difference|':>17}"
    )
    for name in args.judges.split(","):
        options = {"model": name, "random_weights": random, "device": args.device, "mode": args.mode}
        single = VlmJudge(JudgeOptions.model_validate({**options, "batch_size": 1}))
        batched = VlmJudge(JudgeOptions.model_validate({**options, "batch_size": args.batch_size}))
        batched._model = single.model  # one model, two batch sizes: only the batching differs
        device = single.model.device
        single.compute(captions[:2], references[:2], images[:2])  # warm-up
        one_rate, one_scores = rate(single, captions, references, images, device)
        batch_rate, batch_scores = rate(batched, captions, references, images, device)
        gap = max(abs(a - b) for a, b in zip(one_scores, batch_scores))
        print(
            f"{name:<16} {device.type:<8} {one_rate:>24.1f} {batch_rate:>21.1f} {batch_rate / one_rate:>8.1f}x "
            f"{gap:>17.1e}"
        )


if __name__ == "__main__":
    main()
