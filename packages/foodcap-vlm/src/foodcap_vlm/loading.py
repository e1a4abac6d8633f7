"""Where a VLM's weights and processor come from: the hub or a folder, or random weights offline.

``load_pretrained`` is the one place that calls ``from_pretrained`` for a model and its processor,
so placement options (``device_map``, ``max_memory``) have one home.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor, PreTrainedModel

from foodcap import FoodcapError
from foodcap.backend import dispatch, hub_errors, placement_kwargs

from .families import FAMILIES, Family, family_of
from .options import VlmOptions
from .quantization import quantization_config
from .random_weights import build_random


def load_model(options: VlmOptions, device: torch.device, dtype: torch.dtype,
               expected: str | None = None) -> tuple[PreTrainedModel, Any, Family]:
    """The model, its processor and its family; ``expected`` (a model_type) restricts the family."""
    if options.random_weights is not None:
        if options.quantization != "none":
            raise FoodcapError("quantization applies to downloaded weights, not to --random-weights")
        if options.family is None:
            raise FoodcapError("--random-weights needs a family: -o family=gemma3|qwen2_5_vl|idefics3|paligemma, "
                               "or a preset such as qwen2.5-vl-3b")
        family = FAMILIES[options.family]
        model, processor = build_random(family.random_builder, options.random_weights, device=device, dtype=dtype,
                                        attention=attention_of(options, family))
        if options.device_map:
            model = dispatch(model, options)
        return model, processor, family  # type: ignore[return-value]  # builders return PreTrainedModels
    if options.model is None:
        raise FoodcapError("the vlm captioner needs a model: -o model=HUB_ID or a folder (or a preset such as "
                           "qwen2.5-vl-3b, or --random-weights tiny -o family=...)")
    return load_pretrained(options.model, options, device, dtype, expected)


def load_pretrained(source: str, options: VlmOptions, device: torch.device, dtype: torch.dtype,
                    expected: str | None = None) -> tuple[PreTrainedModel, Any, Family]:
    """Processor and weights from the hub or a folder, with every failure as one clear line."""
    _check_local_folder(source)
    quantization_config(options.quantization, dtype, device)  # a missing extra or GPU fails before any download
    token = os.environ.get("HF_TOKEN") or None  # gated weights: the licence must be accepted first
    with hub_errors(source):
        config = AutoConfig.from_pretrained(source, token=token)
        family = family_of(config.model_type, source)
        if expected is not None and family.model_type != expected:
            raise FoodcapError(f"{source!r} is a {config.model_type} model; this captioner needs a "
                               f"{FAMILIES[expected].label} image-text model ({expected})")
        # Weights go straight to the device, or spread over several with --device-map (no full copy in
        # host memory first); bitsandbytes quantizes them on the way.
        placement: dict[str, Any] = placement_kwargs(options) or {"device_map": {"": device}}
        quantization = quantization_config(options.quantization, dtype, device, family.keep_unquantized)
        if quantization is not None:
            placement["quantization_config"] = quantization
        processor = _processor(source, token, {**family.image_options, **options.processor_options})
        model = AutoModelForImageTextToText.from_pretrained(
            source, config=config, dtype=dtype, attn_implementation=attention_of(options, family),
            use_safetensors=True, token=token, **placement,
        )
    return model, processor, family


def attention_of(options: VlmOptions, family: Family) -> str:
    return family.attention if options.attention == "auto" else options.attention


def _processor(source: str, token: str | None, settings: dict[str, Any]) -> Any:
    try:
        return AutoProcessor.from_pretrained(source, token=token, **settings)
    except (ImportError, AttributeError) as error:
        # Qwen2.5-VL's (and other video-capable) processors are built with torchvision.
        raise FoodcapError(f"the processor of {source!r} needs a library that is missing ({error}); "
                           "pip install 'foodcap-vlm[qwen]' adds torchvision") from error


def _check_local_folder(source: str) -> None:
    """A path that names no folder is a typo to report, not a hub id to try."""
    path = Path(source).expanduser()
    looks_local = path.is_absolute() or source.startswith((".", "~")) or source.count("/") > 1
    if looks_local and not path.is_dir():
        raise FoodcapError(f"model folder {source!r} does not exist; pass a hub id or an existing folder")
