"""foodcap-vlm plugin: the generic ``vlm`` captioner, the presets of Qwen2.5-VL, SmolVLM and PaliGemma 2, and the ``judge`` metric.

Gemma 3's presets (gemma-3-4b/12b/27b) are registered by foodcap-gemma, which builds on this package.
Everything is registered by import path, so listing plugins never imports transformers' models.
"""

from collections.abc import Callable
from typing import Any

from foodcap import hookimpl

CAPTIONER = "foodcap_vlm.captioner:VlmCaptioner"
JUDGE = "foodcap_vlm.judge.metric:VlmJudge"

# name -> (defaults, description)
PRESETS: dict[str, tuple[dict[str, Any], str]] = {
    "qwen2.5-vl-3b": (
        {"model": "Qwen/Qwen2.5-VL-3B-Instruct", "family": "qwen2_5_vl"},
        "Qwen2.5-VL 3B Instruct: dynamic resolution (max_pixels), ChatML turns.",
    ),
    "qwen2.5-vl-7b": (
        {"model": "Qwen/Qwen2.5-VL-7B-Instruct", "family": "qwen2_5_vl"},
        "Qwen2.5-VL 7B Instruct: dynamic resolution (max_pixels), ChatML turns.",
    ),
    "smolvlm-256m": (
        {"model": "HuggingFaceTB/SmolVLM-256M-Instruct", "family": "idefics3"},
        "SmolVLM 256M Instruct (Idefics3): one global view per image, no tiling.",
    ),
    "smolvlm-2b": (
        {"model": "HuggingFaceTB/SmolVLM-Instruct", "family": "idefics3"},
        "SmolVLM 2.2B Instruct (Idefics3): one global view per image, no tiling.",
    ),
    "paligemma2-3b": (
        {"model": "google/paligemma2-3b-mix-224", "train_model": "google/paligemma2-3b-pt-224", "family": "paligemma"},
        "PaliGemma 2 3B (224 px): mix captions, pt fine-tunes; asked 'caption en'; titles-only few-shot.",
    ),
}


@hookimpl
def register_captioners(register: Callable[..., None]) -> None:
    register(
        CAPTIONER,
        name="vlm",
        description="Any chat VLM (-o model=ID): zero-shot, few-shot (-o shots=K) or LoRA-trained.",
    )
    for name, (defaults, description) in PRESETS.items():
        register(CAPTIONER, name=name, defaults=defaults, description=description)


@hookimpl
def register_metrics(register: Callable[..., None]) -> None:
    register(
        JUDGE,
        name="judge",
        description="A chat VLM (--metric-option judge.model=PRESET|ID) asked whether each caption names the "
        "reference's dish (or describes the photo); its probability of answering yes.",
    )
