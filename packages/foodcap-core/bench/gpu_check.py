"""First contact with a lent GPU: the checks that real-checkpoint issues need, on random weights.

1. Gemma 3 in float16 against float32: one forward pass over a batch of photos; does the output hold
   NaN or inf, and how large do the hidden states get (float16 stops at 65,504)?
2. One captioned batch per preset, through foodcap's own captioner (its dtype choice, decoding and
   processor checks), at the real shape where foodcap can build one (``--random-weights full``:
   Gemma 3 12B, Llama 3.2 1B/3B, ViT-GPT2) and tiny otherwise.
3. ViT-GPT2 from a folder holding only pytorch_model.bin (as nlpconnect's repository does), read
   through torch's weights-only unpickler: load time, and the same captions as the model it was saved from.

It needs no download and runs in under 8 minutes on one H100. ``--tiny`` runs every check on tiny
models, on the CPU too, in about a minute: that is how CI proves the script works.

    python packages/foodcap-core/bench/gpu_check.py                 # on a lent GPU
    python packages/foodcap-core/bench/gpu_check.py --tiny --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from foodcap.registry import get_registry

# Presets whose real shape foodcap builds with --random-weights full (Gemma 3's full build is the 12B shape,
# so gemma-3-4b and -27b would only repeat it).
FULL_SHAPES = {"gemma-3-12b", "llama-lora-1b", "llama-lora-3b", "vit-gpt2"}
FLOAT16_LIMIT = 65_504.0


def photos(count: int, seed: int = 0) -> list[Image.Image]:
    """Noise photos of the Kaggle dataset's size (274x169) over different base colours."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (count, 1, 1, 3))
    pixels = np.clip(base + rng.normal(0, 40, (count, 169, 274, 3)), 0, 255).astype(np.uint8)
    return [Image.fromarray(row) for row in pixels]


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return result, time.perf_counter() - started


def gemma_float16(size: str, device: torch.device, images: list[Image.Image]) -> list[dict[str, Any]]:
    """One forward pass of the same random Gemma 3 in float32 and float16: NaN/inf and activation range."""
    from foodcap_vlm.batches import CaptionBatch, PromptEncoder
    from foodcap_vlm.families import FAMILIES
    from foodcap_vlm.prompting import DEFAULT_PROMPT, render_prompt
    from foodcap_vlm.random_weights.gemma3 import build_random_gemma

    rows = []
    for dtype in (torch.float32, torch.float16):
        (model, processor), build_seconds = timed(lambda d=dtype: build_random_gemma(size, device=device, dtype=d))
        # The captioner's own batches (prompt, left padding); the model is built directly, since foodcap
        # refuses float16 for Gemma 3.
        family = FAMILIES["gemma3"]
        prompt = render_prompt(processor, family, DEFAULT_PROMPT)
        batch = {
            key: value.to(device)
            for key, value in CaptionBatch(PromptEncoder(processor, family, prompt))(images).items()
        }
        batch["pixel_values"] = batch["pixel_values"].to(dtype)
        with torch.inference_mode():
            output, seconds = timed(lambda m=model, b=batch: m(**b, output_hidden_states=True))
        hidden = torch.stack([state.float().abs().amax() for state in output.hidden_states])
        logits = output.logits.float()
        rows.append(
            {
                "check": "gemma-3 forward",
                "size": size,
                "dtype": str(dtype).removeprefix("torch."),
                "nan": bool(torch.isnan(logits).any()),
                "inf": bool(torch.isinf(logits).any()),
                "max_hidden": float(hidden.max()),
                "max_hidden_vs_fp16_limit": float(hidden.max()) / FLOAT16_LIMIT,
                "build_s": round(build_seconds, 1),
                "forward_s": round(seconds, 2),
            }
        )
        del model, output
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    return rows


def preset_batches(tiny: bool, device: torch.device, images: list[Image.Image]) -> list[dict[str, Any]]:
    """One batch per preset through its registered captioner, as ``foodcap run`` would caption it."""
    registry = get_registry()
    rows = []
    presets = [name for name in sorted(registry.captioners) if registry.captioner_options(name, {}).model is not None]
    for name in presets:
        size = "full" if name in FULL_SHAPES and not tiny else "tiny"
        options = registry.captioner_options(
            name, {"random_weights": size, "device": str(device), "generation": {"max_new_tokens": 16}}
        )
        load = registry.captioner(name).obj.load
        captioner, load_seconds = timed(lambda load=load, options=options: load(options))
        captions, seconds = timed(lambda c=captioner: c.caption(images, batch_size=len(images)))
        described = captioner.describe()
        rows.append(
            {
                "check": "one batch",
                "preset": name,
                "size": size,
                "dtype": described.get("precision", {}).get("dtype"),
                "images": len(images),
                "empty_captions": sum(not caption for caption in captions),
                "load_s": round(load_seconds, 1),
                "caption_s": round(seconds, 2),
                "images_per_s": round(len(images) / seconds, 1),
            }
        )
        del captioner
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    return rows


def vit_gpt2_from_bin(tiny: bool, device: torch.device, images: list[Image.Image]) -> dict[str, Any]:
    """Save a random ViT-GPT2 as pytorch_model.bin only, then load it as a user's download would be."""
    from safetensors.torch import load_file

    from foodcap_vitgpt2.captioner import ViTGPT2Captioner, ViTGPT2Options

    size = "tiny" if tiny else "full"
    built = ViTGPT2Captioner.load(ViTGPT2Options(random_weights=size, device=str(device)))
    expected = built.caption(images)
    with tempfile.TemporaryDirectory() as folder:
        built.save_checkpoint(Path(folder))
        safetensors = Path(folder) / "model.safetensors"
        torch.save(load_file(str(safetensors)), Path(folder) / "pytorch_model.bin")  # as transformers 4 wrote it
        safetensors.unlink()
        megabytes = (Path(folder) / "pytorch_model.bin").stat().st_size / 2**20
        loaded, seconds = timed(lambda: ViTGPT2Captioner.load(ViTGPT2Options(model=folder, device=str(device))))
        same = loaded.caption(images) == expected
        file = loaded.describe()["weights"]
    return {
        "check": "vit-gpt2 from .bin",
        "size": size,
        "bin_mb": round(megabytes, 1),
        "load_s": round(seconds, 2),
        "read": f"{file['file']} ({file['format']})",
        "same_captions": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny models only (any machine, about a minute)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    options = parser.parse_args()
    device = torch.device(
        "cuda"
        if options.device == "auto" and torch.cuda.is_available()
        else "cpu"
        if options.device == "auto"
        else options.device
    )
    images = photos(options.images)
    started = time.perf_counter()
    rows = [
        *gemma_float16("tiny" if options.tiny else "full", device, images[:4]),
        *preset_batches(options.tiny, device, images),
        vit_gpt2_from_bin(options.tiny, device, images),
    ]
    machine = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {os.cpu_count()} cores"
    for row in rows:
        print(json.dumps(row))
    print(f"{machine}: {len(rows)} checks in {time.perf_counter() - started:.0f} s")
    if options.json:
        options.json.write_text(json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
