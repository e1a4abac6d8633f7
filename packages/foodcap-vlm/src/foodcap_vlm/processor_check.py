"""After loading, check on a probe photo that every processor option foodcap set took effect.

Options reach the processor as ``from_pretrained`` keyword arguments, which a transformers version
may drop without a word (4.57 ignored Qwen's ``max_pixels``, transformers issue #41955): a photo
could then become 16k image tokens, or 17 tiles, and batches run out of memory hours into a run.
The probe is a large landscape photo, so that tiling, pan-and-scan and a pixel budget all show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import transformers
from PIL import Image

from foodcap import Batch, FoodcapError

from .batches import PromptEncoder
from .families import Family
from .prompting import render_prompt

PROBE_SIZE = (1344, 896)  # width, height: 1.2M pixels at 3:2


def check_processor(processor: Any, family: Family, config: Any, settings: Mapping[str, Any]) -> None:
    """One FoodcapError line, naming the option and the transformers version, if the processor does not
    do what ``settings`` asked or disagrees with the model on image tokens."""
    problem = _option_problem(processor, settings) or _probe_problem(processor, family, config, settings)
    if problem:
        raise FoodcapError(
            f"{problem}, with transformers {transformers.__version__}; foodcap stops rather than "
            "caption with it (another transformers version, or -o processor_options, may fix it)"
        )


def probe_batch(processor: Any, family: Family) -> Batch:
    """The probe photo encoded the way captions are: the family's prompt, through ``PromptEncoder``."""
    prompt = render_prompt(processor, family, "Name the dish.")
    probe = Image.new("RGB", PROBE_SIZE, (180, 120, 60))
    return PromptEncoder(processor, family, prompt).encode([prompt.text], [[probe]], "left")


def _option_problem(processor: Any, settings: Mapping[str, Any]) -> str | None:
    """An option the image processor keeps as an attribute of its own name, holding something else."""
    for name, wanted in settings.items():
        held = getattr(processor.image_processor, name, None)
        if held is not None and held != wanted:
            return f"processor option {name}={wanted!r} did not take effect (the processor holds {held!r})"
    return None


def _probe_problem(processor: Any, family: Family, config: Any, settings: Mapping[str, Any]) -> str | None:
    batch = probe_batch(processor, family)
    image_token = getattr(config, "image_token_id", None)
    if image_token is None:
        image_token = config.image_token_index
    # Counted as the model's image token: a processor that writes another one writes 0 of them.
    tokens = int((batch["input_ids"] == image_token).sum())
    return _FAMILY_CHECKS[family.model_type](batch, tokens, config, settings)


def _fixed_grid(
    batch: Batch, tokens: int, config: Any, expected_tokens: int, views: int, option: str = ""
) -> str | None:
    """Families that resize every photo to one square of the vision tower's size (``option``: the one
    that keeps it to one view)."""
    side = int(config.vision_config.image_size)
    if views != 1:
        return f"processor option {option}=False did not take effect: a {_probe()} photo became {views} views"
    if tuple(batch["pixel_values"].shape[-2:]) != (side, side):
        return (
            f"the processor resizes photos to {tuple(batch['pixel_values'].shape[-2:])} pixels where the "
            f"vision tower takes {side}x{side} (image size)"
        )
    if tokens != expected_tokens:
        return f"the processor writes {tokens} image tokens per photo where the model expects {expected_tokens}"
    return None


def _gemma3(batch: Batch, tokens: int, config: Any, settings: Mapping[str, Any]) -> str | None:
    views = int(batch["pixel_values"].shape[0])  # pan-and-scan adds crops as extra images
    return _fixed_grid(batch, tokens, config, int(config.mm_tokens_per_image), views, "do_pan_and_scan")


def _paligemma(batch: Batch, tokens: int, config: Any, settings: Mapping[str, Any]) -> str | None:
    vision = config.vision_config
    return _fixed_grid(batch, tokens, config, (int(vision.image_size) // int(vision.patch_size)) ** 2, 1)


def _idefics3(batch: Batch, tokens: int, config: Any, settings: Mapping[str, Any]) -> str | None:
    vision = config.vision_config
    per_view = (int(vision.image_size) // int(vision.patch_size)) ** 2 // int(config.scale_factor) ** 2
    views = int(batch["pixel_values"].shape[1])  # (images, views, channels, height, width)
    return _fixed_grid(batch, tokens, config, per_view, views, "do_image_splitting")


def _qwen2_5_vl(batch: Batch, tokens: int, config: Any, settings: Mapping[str, Any]) -> str | None:
    vision = config.vision_config
    patch, merge = int(vision.patch_size), int(vision.spatial_merge_size)
    frames, rows, columns = (int(n) for n in batch["image_grid_thw"][0])
    pixels = rows * columns * patch * patch
    budget = settings.get("max_pixels")
    if budget is not None and pixels > int(budget):
        return (
            f"processor option max_pixels={budget} did not take effect: a {_probe()} photo became "
            f"{rows * patch}x{columns * patch} pixels, {tokens} image tokens"
        )
    if tokens != frames * rows * columns // merge**2:
        return (
            f"the processor writes {tokens} image tokens for a grid of {rows}x{columns} patches merged {merge}x{merge}"
        )
    return None


def _probe() -> str:
    return f"{PROBE_SIZE[0]}x{PROBE_SIZE[1]}"


_FAMILY_CHECKS: dict[str, Callable[[Batch, int, Any, Mapping[str, Any]], str | None]] = {
    "gemma3": _gemma3,
    "paligemma": _paligemma,
    "idefics3": _idefics3,
    "qwen2_5_vl": _qwen2_5_vl,
}
