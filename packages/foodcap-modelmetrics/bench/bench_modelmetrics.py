"""Benchmark: clipscore and bertscore through foodcap beside the raw model forward passes they are made of.

    .venv/bin/python packages/foodcap-modelmetrics/bench/bench_modelmetrics.py [--images 614] [--clip-size 224]

On the bundled sample's photos (repeated to --images), with tiny random-weight CLIP and RoBERTa
folders built here (offline), on the GPU when there is one:
- clipscore: ``foodcap.score(..., images=paths)``, which decodes the JPEGs in workers and feeds the
  metric, beside (a) the raw CLIP forward on images already decoded and preprocessed, batched as foodcap
  batches them, and (b) the naive loop a script would write (open, preprocess, forward, one image at a time);
- clipscore + refclipscore together (they share the image embeddings);
- bertscore: foodcap's bertscore beside the raw forward of the cut encoder on pre-tokenized batches.
Models are loaded before timing (a run loads them once); every figure is the best of --repeat runs.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=614)
    parser.add_argument("--clip-size", type=int, default=224, help="image side of the tiny CLIP (ViT-B/32 has 224)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from PIL import Image

    import foodcap
    from foodcap.config import DataConfig
    from foodcap_modelmetrics import BertScoreF1, BertScoreOptions
    from foodcap_modelmetrics.clip_model import ClipEncoder
    from foodcap_modelmetrics.tiny_weights import save_tiny_clip, save_tiny_roberta

    samples = foodcap.load_dataset("sample").samples
    chosen = [samples[i % len(samples)] for i in range(args.images)]
    paths = [sample.image for sample in chosen]
    captions = [sample.references[0].lower() for sample in chosen[1:] + chosen[:1]]  # other images' titles
    references = [list(sample.references) for sample in chosen]
    folder = Path(tempfile.mkdtemp())
    clip_folder = save_tiny_clip(folder / "clip", image_size=args.clip_size)
    roberta_folder = save_tiny_roberta(folder / "roberta", texts=[s.references[0] for s in samples])
    device = "cuda" if torch.cuda.is_available() else "cpu"
    options = {
        "clipscore": {"model": str(clip_folder), "device": device},
        "refclipscore": {"model": str(clip_folder), "device": device},
        "bertscore": {"model": str(roberta_folder), "num_layers": 3, "device": device},
    }
    data = DataConfig(batch_size=64, num_workers=args.workers)

    def foodcap_clip(metrics: list[str]) -> Callable[[], object]:
        from foodcap.runs.scoring import resolve_metrics, score

        chosen_metrics = resolve_metrics(foodcap_registry(), metrics, "coco", options)
        return lambda: score(chosen_metrics, captions, references, paths, data)

    encoder = ClipEncoder.load(str(clip_folder), device)
    decoded = [Image.open(path).convert("RGB") for path in paths]
    pixels = [
        encoder.image_processor(images=decoded[i : i + 64], return_tensors="pt")["pixel_values"]
        for i in range(0, len(decoded), 64)
    ]
    tokens = [
        encoder.tokenizer(
            ["A photo depicts " + c for c in captions[i : i + 64]],
            padding=True,
            truncation=True,
            max_length=77,
            return_tensors="pt",
        )
        for i in range(0, len(captions), 64)
    ]

    @torch.no_grad()
    def raw_clip() -> None:
        for batch, text in zip(pixels, tokens):
            encoder.model.get_image_features(batch.to(device))
            encoder.model.get_text_features(text["input_ids"].to(device), text["attention_mask"].to(device))

    @torch.no_grad()
    def naive_clip() -> None:
        for path, caption in zip(paths, captions):
            image = Image.open(path).convert("RGB")
            pixel = encoder.image_processor(images=[image], return_tensors="pt")["pixel_values"]
            text = encoder.tokenizer(["A photo depicts " + caption], return_tensors="pt")
            encoder.model.get_image_features(pixel.to(device))
            encoder.model.get_text_features(text["input_ids"].to(device), text["attention_mask"].to(device))

    bert = BertScoreF1(BertScoreOptions(**options["bertscore"]))
    bert.compute(captions[:2], references[:2])  # loads the encoder
    from foodcap_modelmetrics.bert_model import BertScorer

    scorer = BertScorer.load(BertScoreOptions(**options["bertscore"]))
    sentences = [c for c in captions] + [r for refs in references for r in refs]
    encoded = [
        scorer.tokenizer([" " + s for s in sentences[i : i + 64]], padding=True, return_tensors="pt")
        for i in range(0, len(sentences), 64)
    ]

    @torch.no_grad()
    def raw_bert() -> None:
        for batch in encoded:
            scorer.model(batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device))

    def uncached() -> object:
        scorer._last = None  # the three bertscore metrics share one computation; time it every time
        return bert.compute(captions, references)

    foodcap_clip(["clipscore"])()  # warm: workers, caches
    rows = [
        ("clipscore via foodcap.score (decode in workers + metric)", best_of(args.repeat, foodcap_clip(["clipscore"]))),
        (
            "clipscore + refclipscore via foodcap.score",
            best_of(args.repeat, foodcap_clip(["clipscore", "refclipscore"])),
        ),
        ("baseline: raw CLIP forward, decoded + preprocessed beforehand", best_of(args.repeat, raw_clip)),
        ("baseline: naive loop, one image at a time", best_of(args.repeat, naive_clip)),
    ]
    print(
        f"{args.images} sample images, tiny CLIP at {args.clip_size}px, device {device} "
        f"({torch.cuda.get_device_name() if device == 'cuda' else platform.processor() or platform.machine()}), "
        f"{torch.get_num_threads()} torch threads, {args.workers} decode workers"
    )
    for name, seconds in rows:
        print(f"  {name:66s} {seconds:7.3f} s  {args.images / seconds:9.1f} images/s")
    bert_rows = [
        ("bertscore via foodcap (embed + greedy matching)", best_of(args.repeat, uncached)),
        ("baseline: raw forward of the cut encoder, pre-tokenized", best_of(args.repeat, raw_bert)),
    ]
    for name, seconds in bert_rows:
        print(f"  {name:66s} {seconds:7.3f} s  {args.images / seconds:9.1f} captions/s")


def foodcap_registry():  # noqa: ANN201
    from foodcap.registry import get_registry

    return get_registry()


if __name__ == "__main__":
    main()
