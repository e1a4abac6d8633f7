"""llama-lora training-step speed and peak memory, side by side with a bare step, in one run.

Each configuration runs three steps on the same model and batches:

  bare     the naive step: the language model computes logits and its own loss on every
           position, the ~200 visual-prefix positions included (the loop the issue timed)
  foodcap  ``captioner.loss``, what ``foodcap train --freeze lora`` runs: logits only where
           labels are, the loss in float32
  cached   the foodcap step fed ``encode_for_cache`` outputs (``--cache-encoder``): no ViT

A step is what the trainer does per batch: forward under bf16 autocast (CUDA), backward,
gradient clipping, AdamW on the projector + LoRA (float32), zero_grad. Frozen ViT and Llama
weights are bfloat16 on CUDA. No data loading is in the rate: batches are made up front.

On CUDA the defaults are the issue's settings: random full-size Llama 3.2 1B and 3B with
ViT-base (197 visual tokens), 32 title tokens, batch 32, plus 3B at batch 8 with gradient
checkpointing (must fit a 24 GB card). Without CUDA it runs the tiny model with small settings.

    python packages/foodcap-llama/bench/bench_llama.py              # defaults for this machine
    python packages/foodcap-llama/bench/bench_llama.py --steps 20
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import torch
from rich.console import Console
from rich.table import Table

from foodcap import Batch, parameter_counts
from foodcap_llama.captioner import LlamaLoraCaptioner
from foodcap_llama.freeze_policy import TrainAdapters
from foodcap_llama.options import LlamaLoraOptions
from foodcap_llama.visual_prefix import IGNORE_INDEX

GIB = 2**30
# The bare-loop figures on an H100 (images/s) and the goals through `foodcap train`.
GOALS = {("1B", 32, False): 180.0, ("3B", 32, False): 80.0}
SMALL_CARD_GIB = 24.0


@dataclass(frozen=True)
class Config:
    size: str  # 1B, 3B or tiny
    batch: int
    checkpointing: bool

    @property
    def label(self) -> str:
        return f"{self.size} batch {self.batch}" + (" + grad ckpt" if self.checkpointing else "")


@dataclass(frozen=True)
class Result:
    variant: str
    images_per_second: float
    peak_gib: float | None


def parse_args() -> argparse.Namespace:
    gpu = torch.cuda.is_available()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10 if gpu else 30, help="timed steps per variant")
    parser.add_argument("--warmup", type=int, default=3 if gpu else 2)
    parser.add_argument("--rounds", type=int, default=3, help="variants alternate this often; the median counts")
    parser.add_argument("--batch", type=int, default=None, help="CPU batch size (GPU uses the issue's)")
    parser.add_argument("--title-tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None if gpu else 1, help="CPU threads for torch")
    return parser.parse_args()


def configs(gpu: bool, cpu_batch: int | None) -> list[Config]:
    if gpu:
        return [Config("1B", 32, False), Config("3B", 32, False), Config("3B", 8, True)]
    return [Config("tiny", cpu_batch or 8, False), Config("tiny", cpu_batch or 8, True)]


def load(config: Config, gpu: bool) -> LlamaLoraCaptioner:
    torch.manual_seed(0)
    options = LlamaLoraOptions(
        model=f"meta-llama/Llama-3.2-{config.size}" if gpu else "meta-llama/Llama-3.2-1B",
        random_weights="full" if gpu else "tiny",
        device="cuda" if gpu else "cpu",
        dtype="bfloat16" if gpu else "float32",
        gradient_checkpointing=config.checkpointing,
    )
    captioner = LlamaLoraCaptioner.load_for_training(options)
    TrainAdapters().apply(captioner)
    return captioner


def make_batches(captioner: LlamaLoraCaptioner, count: int, batch: int, title_tokens: int) -> list[Batch]:
    """Random pixels and titles cut to exactly ``title_tokens`` tokens (+ EOS), already on the device."""
    size = captioner.model.vision.config.image_size
    text = captioner.text
    text.max_title_tokens = title_tokens
    words = ["Tomato", "Soup", "with", "Basil", "Lemon", "Tart", "and", "Roast", "Chicken"]
    title = " ".join(words[i % len(words)] for i in range(title_tokens * 2))
    device = captioner.device
    generator = torch.Generator().manual_seed(1)
    batches = []
    for _ in range(count):
        pixels = torch.randn(batch, 3, size, size, generator=generator)
        batches.append({k: v.to(device) for k, v in {"pixel_values": pixels, **text([title] * batch)}.items()})
    return batches


def bare_loss(captioner: LlamaLoraCaptioner, batch: Batch) -> torch.Tensor:
    """The naive step: full-length labels, and the language model's own loss over all logits."""
    network = captioner.model
    features = network.encode_images(batch["pixel_values"])
    embeds, mask = network._embed(features, batch["input_ids"], batch["attention_mask"])
    prefix = embeds.shape[1] - batch["input_ids"].shape[1]
    labels = torch.cat([torch.full_like(batch["labels"][:, :1], IGNORE_INDEX).expand(-1, prefix), batch["labels"]], 1)
    return network.language_model(inputs_embeds=embeds, attention_mask=mask, labels=labels, use_cache=False).loss


def time_steps(
    captioner: LlamaLoraCaptioner, loss_of: Callable[[Batch], torch.Tensor], batches: list[Batch], warmup: int
) -> tuple[float, float | None]:
    """Images per second over the timed batches, and the peak GPU memory of the whole variant."""
    model = captioner.model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4)
    gpu = captioner.device.type == "cuda"

    def step(batch: Batch) -> None:
        with torch.autocast("cuda", dtype=torch.bfloat16) if gpu else nullcontext():
            loss = loss_of(batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    if gpu:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    for batch in batches[:warmup]:
        step(batch)
    if gpu:
        torch.cuda.synchronize()
    started = time.perf_counter()
    for batch in batches[warmup:]:
        step(batch)
    if gpu:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    images = sum(b["input_ids"].shape[0] for b in batches[warmup:])
    peak = torch.cuda.max_memory_allocated() / GIB if gpu else None
    return images / seconds, peak


def measure(config: Config, args: argparse.Namespace, gpu: bool, console: Console) -> list[Result]:
    """Load the configuration's model, time the three steps on it, and free it for the next one."""
    results = time_variants(load(config, gpu), config, args, console)
    gc.collect()
    if gpu:
        torch.cuda.empty_cache()
    return results


def time_variants(
    captioner: LlamaLoraCaptioner, config: Config, args: argparse.Namespace, console: Console
) -> list[Result]:
    counts = parameter_counts(captioner)["total"]
    prefix = captioner.model.pooling.output_tokens(
        (captioner.model.vision.config.image_size // captioner.model.vision.config.patch_size) ** 2 + 1
    )
    console.print(
        f"{config.label}: {counts['trainable'] / 1e6:.2f}M trainable, {counts['frozen'] / 1e6:,.1f}M frozen, "
        f"{prefix} visual tokens, {args.title_tokens} title tokens"
    )
    batches = make_batches(captioner, args.warmup + args.steps, config.batch, args.title_tokens)
    variants: list[tuple[str, Callable[[Batch], torch.Tensor], list[Batch]]] = [
        ("bare", lambda b: bare_loss(captioner, b), batches),
        ("foodcap", lambda b: captioner.loss(captioner.model, b), batches),
        ("cached", lambda b: captioner.loss(captioner.model, b), [_cached(captioner, b) for b in batches]),
    ]
    # Alternating the variants spreads a shared machine's slow moments over all of them.
    timings: dict[str, list[tuple[float, float | None]]] = {name: [] for name, _, _ in variants}
    for _ in range(args.rounds):
        for name, loss_of, inputs in variants:
            timings[name].append(time_steps(captioner, loss_of, inputs, args.warmup))
    return [
        Result(name, statistics.median(rate for rate, _ in runs), _max_peak(runs)) for name, runs in timings.items()
    ]


def _max_peak(runs: list[tuple[float, float | None]]) -> float | None:
    peaks = [peak for _, peak in runs if peak is not None]
    return max(peaks) if peaks else None


def _cached(captioner: LlamaLoraCaptioner, batch: Batch) -> Batch:
    text = {k: v for k, v in batch.items() if k != "pixel_values"}
    return {**captioner.encode_for_cache({"pixel_values": batch["pixel_values"]}), **text}


def report(rows: list[tuple[Config, list[Result]]], gpu: bool) -> Table:
    table = Table(title="llama-lora training step (forward, backward, clip, AdamW)")
    for column in ("config", "step", "images/s", "vs bare", "peak GiB", "goal"):
        table.add_column(column, justify="left" if column in ("config", "step", "goal") else "right")
    for config, results in rows:
        bare = results[0].images_per_second
        for result in results:
            goal = ""
            target = GOALS.get((config.size, config.batch, config.checkpointing))
            if target and result.variant == "foodcap":
                goal = f">= {target:.0f} images/s: {'met' if result.images_per_second >= target else 'NOT met'}"
            if config.checkpointing and config.size == "3B" and result.variant == "foodcap" and result.peak_gib:
                goal = f"< {SMALL_CARD_GIB:.0f} GiB: {'fits' if result.peak_gib < SMALL_CARD_GIB else 'does NOT fit'}"
            peak = f"{result.peak_gib:.1f}" if result.peak_gib is not None else "n/a"
            table.add_row(
                config.label,
                result.variant,
                f"{result.images_per_second:,.1f}",
                f"{result.images_per_second / bare:.2f}x",
                peak,
                goal,
            )
    if not gpu:
        table.caption = f"CPU: peak GPU memory n/a; process max RSS {_max_rss_gib():.2f} GiB"
    return table


def _max_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB  # ru_maxrss is KiB on Linux


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    gpu = torch.cuda.is_available()
    console = Console()
    device = torch.cuda.get_device_name() if gpu else f"CPU, {torch.get_num_threads()} torch thread(s)"
    console.print(f"device: {device}; torch {torch.__version__}")
    rows = [(config, measure(config, args, gpu, console)) for config in configs(gpu, args.batch)]
    console.print(report(rows, gpu))


if __name__ == "__main__":
    main()
