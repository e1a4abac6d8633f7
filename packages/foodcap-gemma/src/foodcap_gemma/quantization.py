"""Optional 4-bit/8-bit loading through bitsandbytes, so the 12B model fits a 24 GB card."""

from __future__ import annotations

import importlib.util
from typing import Literal

import torch
from transformers import BitsAndBytesConfig

from foodcap import FoodcapError

Quantization = Literal["none", "4bit", "8bit"]

# The vision tower and projector are small (about 0.4B parameters) and the image tokens are all
# the model sees of the dish, so they stay in the compute dtype; lm_head stays too, as is usual.
_KEEP_UNQUANTIZED = ["vision_tower", "multi_modal_projector", "lm_head"]


def quantization_config(
    mode: Quantization, compute_dtype: torch.dtype, device: torch.device
) -> BitsAndBytesConfig | None:
    """The bitsandbytes settings for ``mode``, or None for full precision."""
    if mode == "none":
        return None
    if importlib.util.find_spec("bitsandbytes") is None:
        raise FoodcapError(
            f"{mode} quantization needs bitsandbytes, which is not installed: "
            "pip install 'foodcap-gemma[quant]'"
        )
    if device.type != "cuda":
        raise FoodcapError(f"{mode} quantization runs on CUDA GPUs only; use --device cuda or drop it")
    if mode == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True, llm_int8_skip_modules=_KEEP_UNQUANTIZED)
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_compute_dtype=compute_dtype,
        llm_int8_skip_modules=_KEEP_UNQUANTIZED,
    )
