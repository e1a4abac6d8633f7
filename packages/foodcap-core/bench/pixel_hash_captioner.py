"""A captioner that costs nothing, for the streaming benchmark: it looks each image's pixels up in the
table of the images the benchmark generated. Run as ``python pixel_hash_captioner.py ARGS`` it is the
``foodcap`` command with this captioner registered (under torchrun too), and records the process's
peak memory in ``$FOODCAP_BENCH_RSS/<pid>.json`` when it exits."""

from __future__ import annotations

import atexit
import hashlib
import io
import json
import os
import resource
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from foodcap import Batch, Captioner, CaptionerOptions, hookimpl

PALETTE = 4096  # distinct images; record i shows image i % PALETTE
FOODS = [
    "tomato",
    "pea",
    "lentil",
    "pumpkin",
    "mushroom",
    "carrot",
    "onion",
    "leek",
    "chicken",
    "beef",
    "tofu",
    "rice",
    "noodle",
    "potato",
    "bean",
    "corn",
]
DISHES = [
    "soup",
    "stew",
    "salad",
    "curry",
    "pie",
    "tart",
    "risotto",
    "bake",
    "gratin",
    "bowl",
    "skewers",
    "wrap",
    "cake",
    "pudding",
    "roll",
    "fritters",
]
STYLES = [
    "spicy",
    "creamy",
    "roasted",
    "quick",
    "rustic",
    "smoky",
    "fresh",
    "golden",
    "classic",
    "green",
    "crispy",
    "lemony",
    "herbed",
    "sweet",
    "hearty",
    "simple",
]


def palette_caption(index: int) -> str:
    return f"{STYLES[index % 16].capitalize()} {FOODS[index // 16 % 16]} {DISHES[index // 256 % 16]}"


def palette_jpeg(index: int) -> bytes:
    """An 8x8 JPEG unique to ``index`` (a gradient seeded by it)."""
    rng = np.random.default_rng(index)
    pixels = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def pixel_key(pixels: bytes) -> bytes:
    return hashlib.blake2b(pixels, digest_size=8).digest()


class Pixels:
    def __call__(self, images: list[Image.Image]) -> Batch:
        return {
            "pixels": torch.from_numpy(np.stack([np.asarray(image, dtype=np.uint8).reshape(-1) for image in images]))
        }


class PixelHashCaptioner(Captioner):
    name = "pixel-hash"
    description = "Looks an image's pixels up in the benchmark's table (no model; for measuring the pipeline)."

    def __init__(self, options: CaptionerOptions) -> None:
        super().__init__(options)
        self.table = {}
        for index in range(PALETTE):
            with Image.open(io.BytesIO(palette_jpeg(index))) as image:
                self.table[pixel_key(np.asarray(image.convert("RGB"), dtype=np.uint8).tobytes())] = palette_caption(
                    index
                )

    @classmethod
    def load(cls, options: CaptionerOptions) -> PixelHashCaptioner:
        return cls(options)

    def preprocessor(self) -> Pixels:
        return Pixels()

    def generate(self, inputs: Batch) -> list[str]:
        rows = inputs["pixels"].numpy()
        return [self.table.get(pixel_key(row.tobytes()), "unknown dish") for row in rows]


class PixelHashPlugin:
    @staticmethod
    @hookimpl
    def register_captioners(register: Callable[..., None]) -> None:
        register(PixelHashCaptioner)


def _record_peak_memory() -> None:
    folder = os.environ.get("FOODCAP_BENCH_RSS")
    if folder:
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        Path(folder, f"{os.getpid()}.json").write_text(
            json.dumps(
                {
                    "rank": os.environ.get("RANK", "0"),
                    "argv": sys.argv[1:],
                    "peak_rss": own,
                    "children_peak_rss": workers,
                }
            )
        )


if __name__ == "__main__":
    from foodcap.cli import main
    from foodcap.plugins import register_plugin

    register_plugin(PixelHashPlugin, name="bench-pixel-hash")
    atexit.register(_record_peak_memory)
    main()
