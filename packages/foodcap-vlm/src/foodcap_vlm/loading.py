"""Where a VLM's weights and processor come from: the hub or a folder, or random weights offline.

``load_pretrained`` is the one place that calls ``from_pretrained`` for a model and its processor,
so placement options (``device_map``, ``max_memory``) have one home. The family is known first
(from the checkpoint's config.json alone), because it decides the dtype the weights load in.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import torch
from transformers import AutoConfig, AutoModelForImageTextToText, PretrainedConfig, PreTrainedModel

from foodcap import FoodcapError
from foodcap.backend import WeightsFile, dispatch, hub_errors, load_pretrained_weights, placement_kwargs

from .families import FAMILIES, Family, family_of
from .options import VlmOptions
from .processor_check import check_processor
from .processors import load_processor
from .quantization import quantization_config
from .random_weights import build_random


def resolve_family(options: VlmOptions, expected: str | None = None) -> tuple[Family, PretrainedConfig | None]:
    """The family (and, for a downloaded model, its config): ``expected`` (a model_type) restricts it."""
    if options.random_weights is not None:
        if options.quantization != "none":
            raise FoodcapError("quantization applies to downloaded weights, not to --random-weights")
        if options.family is None:
            raise FoodcapError(
                "--random-weights needs a family: -o family=gemma3|qwen2_5_vl|idefics3|paligemma, "
                "or a preset such as qwen2.5-vl-3b"
            )
        return FAMILIES[options.family], None
    if options.model is None:
        raise FoodcapError(
            "the vlm captioner needs a model: -o model=HUB_ID or a folder (or a preset such as "
            "qwen2.5-vl-3b, or --random-weights tiny -o family=...)"
        )
    _check_local_folder(options.model)
    with hub_errors(options.model):
        config = AutoConfig.from_pretrained(options.model, token=_token())
    family = family_of(config.model_type, options.model)
    if expected is not None and family.model_type != expected:
        raise FoodcapError(
            f"{options.model!r} is a {config.model_type} model; this captioner needs a "
            f"{FAMILIES[expected].label} image-text model ({expected})"
        )
    return family, config


def load_model(
    options: VlmOptions, family: Family, config: PretrainedConfig | None, device: torch.device, dtype: torch.dtype
) -> tuple[PreTrainedModel, Any, WeightsFile | None]:
    """The model, its processor and the weights file read (None for random weights)."""
    if config is None:
        model, processor = build_random(
            family.random_builder,
            options.random_weights or "tiny",
            device=device,
            dtype=dtype,
            attention=attention_of(options, family),
        )
        if options.device_map:
            model = cast(PreTrainedModel, dispatch(model, options))
        return model, processor, None
    assert options.model is not None  # resolve_family returned a config, so there is a model
    return load_pretrained(options.model, options, family, config, device, dtype)


def load_pretrained(
    source: str, options: VlmOptions, family: Family, config: PretrainedConfig, device: torch.device, dtype: torch.dtype
) -> tuple[PreTrainedModel, Any, WeightsFile | None]:
    """Processor (checked) and weights from the hub or a folder, with every failure as one clear line."""
    token = _token()
    # Weights go straight to the device, or spread over several with --device-map (no full copy in
    # host memory first); bitsandbytes quantizes them on the way.
    placement: dict[str, Any] = placement_kwargs(options) or {"device_map": {"": device}}
    quantization = quantization_config(options.quantization, dtype, device, family.keep_unquantized)
    if quantization is not None:
        placement["quantization_config"] = quantization
    settings = {**family.image_options, **options.processor_options}
    with hub_errors(source, "processor"):
        processor = load_processor(source, token, family, settings)
    check_processor(processor, family, config, settings)  # before the weights: a mismatch costs no download
    model, weights = load_pretrained_weights(
        AutoModelForImageTextToText.from_pretrained,
        source,
        token=token,
        config=config,
        dtype=dtype,
        attn_implementation=attention_of(options, family),
        **placement,
    )
    return model, processor, weights


def check_quantization(options: VlmOptions, device: torch.device) -> None:
    """A missing bitsandbytes or GPU for -o quantization fails before anything is downloaded."""
    if options.random_weights is None:
        quantization_config(options.quantization, torch.float32, device)


def attention_of(options: VlmOptions, family: Family) -> str:
    return family.attention if options.attention == "auto" else options.attention


def _token() -> str | None:
    return os.environ.get("HF_TOKEN") or None  # gated weights: the licence must be accepted first


def _check_local_folder(source: str) -> None:
    """A path that names no folder is a typo to report, not a hub id to try."""
    path = Path(source).expanduser()
    looks_local = path.is_absolute() or source.startswith((".", "~")) or source.count("/") > 1
    if looks_local and not path.is_dir():
        raise FoodcapError(f"model folder {source!r} does not exist; pass a hub id or an existing folder")
