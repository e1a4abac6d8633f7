"""ViT-GPT2 speed, side by side with baselines measured in the same run.

(a) Captioning: the study's per-image loop (image processor + fp32 ``generate`` one image at a
    time) against this captioner's batched ``generate`` (bf16 on GPU). Both decode the same
    274x169 JPEGs, so decoding is in both figures.
(b) Training: a bare training step (bf16 autocast on GPU, fp32 master weights, AdamW) per freeze
    policy, plus the frozen-ViT step fed cached encoder states. No data loading in the rate.

Defaults: the full-size random-weight model on CUDA, the tiny one on CPU. Examples::

    python packages/foodcap-vitgpt2/bench/bench_vitgpt2.py                 # CPU: tiny
    python packages/foodcap-vitgpt2/bench/bench_vitgpt2.py --size full     # GPU: the issue's figures
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from contextlib import nullcontext

import numpy as np
import torch
from PIL import Image

from foodcap import FreezePolicy, GenerationOptions, parameter_counts
from foodcap.freeze import FreezeDecoder, FreezeEncoder, TrainEverything
from foodcap_vitgpt2.captioner import ViTGPT2Captioner, ViTGPT2Options


def synthetic_jpegs(count: int, seed: int = 0) -> list[bytes]:
    """Distinct 274x169 JPEGs (the dataset's size): a coloured plate on noise."""
    generator = np.random.default_rng(seed)
    jpegs = []
    for _ in range(count):
        pixels = generator.normal(128, 50, size=(169, 274, 3))
        top, left = generator.integers(0, 80), generator.integers(0, 150)
        pixels[top : top + 90, left : left + 120] = generator.integers(0, 256, size=3)
        buffer = io.BytesIO()
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=90)
        jpegs.append(buffer.getvalue())
    return jpegs


def decode(jpeg: bytes) -> Image.Image:
    return Image.open(io.BytesIO(jpeg)).convert("RGB")


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def images_per_second(count: int, device: torch.device, work: Callable[[], None]) -> float:
    synchronize(device)
    started = time.perf_counter()
    work()
    synchronize(device)
    return count / (time.perf_counter() - started)


def study_loop(captioner: ViTGPT2Captioner, jpegs: list[bytes]) -> None:
    """The study's code: feature extractor and generate(max_length=16, num_beams=4) per image."""
    model, device = captioner.model, captioner.device
    for jpeg in jpegs:
        pixel_values = captioner.image_processor(images=[decode(jpeg)], return_tensors="pt").pixel_values
        with torch.no_grad():
            output_ids = model.generate(pixel_values.to(device), max_length=16, num_beams=4)
        captioner.tokenizer.batch_decode(output_ids, skip_special_tokens=True)


def batched_captioning(captioner: ViTGPT2Captioner, jpegs: list[bytes], batch_size: int) -> None:
    preprocess = captioner.preprocessor()
    for start in range(0, len(jpegs), batch_size):
        captioner.generate(preprocess([decode(jpeg) for jpeg in jpegs[start : start + batch_size]]))


def bench_captioning(args: argparse.Namespace, device: torch.device) -> None:
    common = {"random_weights": args.size, "device": str(device)}
    # Same beams and length as the study; n-gram blocking off so both do the same work.
    generation = GenerationOptions(num_beams=4, max_new_tokens=15, no_repeat_ngram_size=0)
    study = ViTGPT2Captioner.load(ViTGPT2Options(**common, dtype="float32"))
    ours = ViTGPT2Captioner.load(ViTGPT2Options(**common, generation=generation))
    jpegs = synthetic_jpegs(args.images)
    study_loop(study, jpegs[:2])  # warm-up
    batched_captioning(ours, jpegs[: args.batch_size], args.batch_size)
    baseline_count = min(args.images, args.study_images)
    baseline = images_per_second(baseline_count, device, lambda: study_loop(study, jpegs[:baseline_count]))
    batched = images_per_second(len(jpegs), device, lambda: batched_captioning(ours, jpegs, args.batch_size))
    print(f"\n(a) captioning, {args.size} model, beam 4, 15 new tokens, JPEG decode included")
    print(f"{'':48}{'images':>8}{'images/s':>12}")
    print(f"{'study per-image loop (fp32)':48}{baseline_count:>8}{baseline:>12.1f}")
    label = f"batched vit-gpt2 generate (batch {args.batch_size}, {ours.model.dtype})".replace("torch.", "")
    print(f"{label:48}{len(jpegs):>8}{batched:>12.1f}")
    print(f"speed-up {batched / baseline:.1f}x")


def training_batch(captioner: ViTGPT2Captioner, batch_size: int, title_tokens: int) -> dict[str, torch.Tensor]:
    """Random pixels and ``title_tokens`` label ids ending in EOS, all on the device."""
    side = captioner.model.config.encoder.image_size
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, len(captioner.tokenizer), (batch_size, title_tokens), generator=generator)
    labels[:, -1] = captioner.tokenizer.eos_token_id
    batch = {
        "pixel_values": torch.randn(batch_size, 3, side, side, generator=generator),
        "labels": labels,
        "decoder_attention_mask": torch.ones_like(labels),
    }
    return {key: value.to(captioner.device) for key, value in batch.items()}


def time_training(
    args: argparse.Namespace, device: torch.device, policy: FreezePolicy, cached: bool
) -> tuple[int, float, float]:
    """Trainable parameters, best images/s over the repeats, and peak GPU memory in GiB."""
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else nullcontext()
    captioner = ViTGPT2Captioner.load(ViTGPT2Options(random_weights=args.size, device=str(device), dtype="float32"))
    policy.apply(captioner)
    batch = training_batch(captioner, args.train_batch_size, args.title_tokens)
    if cached:
        with autocast:
            batch.update(captioner.encode_for_cache({"pixel_values": batch.pop("pixel_values")}))
    model = captioner.model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)

    def steps(count: int) -> None:
        for _ in range(count):
            with autocast:
                loss = captioner.loss(model, batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

    steps(args.warmup_steps)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    images = args.train_steps * args.train_batch_size
    rate = max(images_per_second(images, device, lambda: steps(args.train_steps)) for _ in range(args.repeats))
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else float("nan")
    return parameter_counts(captioner)["total"]["trainable"], rate, peak


def bench_training(args: argparse.Namespace, device: torch.device) -> None:
    variants: list[tuple[str, FreezePolicy, bool]] = [
        ("nothing frozen", TrainEverything(), False),
        ("ViT frozen", FreezeEncoder(), False),
        ("GPT-2 frozen", FreezeDecoder(), False),
        ("ViT frozen, cached features", FreezeEncoder(), True),
    ]
    print(
        f"\n(b) training steps, {args.size} model, batch {args.train_batch_size}, "
        f"{args.title_tokens} title tokens, {'bf16 autocast' if device.type == 'cuda' else 'fp32'}"
    )
    print(f"{'':32}{'trainable':>14}{'images/s':>12}{'peak GiB':>10}")
    for label, policy, cached in variants:
        trainable, rate, peak = time_training(args, device, policy, cached)
        print(f"{label:32}{trainable:>14,}{rate:>12.1f}{peak:>10.1f}")
        if device.type == "cuda":
            torch.cuda.empty_cache()


def main() -> None:
    cuda = torch.cuda.is_available()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["tiny", "full"], default="full" if cuda else "tiny")
    parser.add_argument("--device", default="cuda" if cuda else "cpu")
    parser.add_argument("--images", type=int, default=3072 if cuda else 256, help="images for the batched run")
    parser.add_argument(
        "--study-images",
        type=int,
        default=128 if cuda else 64,
        help="images for the (slow) per-image loop; its rate is per image anyway",
    )
    parser.add_argument("--batch-size", type=int, default=256 if cuda else 32)
    parser.add_argument("--train-batch-size", type=int, default=64 if cuda else 16)
    parser.add_argument("--title-tokens", type=int, default=24)
    parser.add_argument("--train-steps", type=int, default=20 if cuda else 10)
    parser.add_argument("--warmup-steps", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3, help="timed training runs per variant; the best counts")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (1 is steadier on a shared machine)"
    )
    parser.add_argument("--skip", choices=["captioning", "training"], action="append", default=[])
    args = parser.parse_args()
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(
        f"device: {torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads"
    )
    if "captioning" not in args.skip:
        bench_captioning(args, device)
    if "training" not in args.skip:
        bench_training(args, device)


if __name__ == "__main__":
    main()
