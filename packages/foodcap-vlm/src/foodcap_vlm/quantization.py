"""Optional 4-bit/8-bit loading through bitsandbytes: a 12B model fits a 24 GB card, and 4-bit + LoRA is QLoRA."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Literal

import torch
from transformers import BitsAndBytesConfig

from foodcap import FoodcapError

Quantization = Literal["none", "4bit", "8bit"]


def quantization_config(
    mode: Quantization, compute_dtype: torch.dtype, device: torch.device, keep: Sequence[str] = ("lm_head",)
) -> BitsAndBytesConfig | None:
    """The bitsandbytes settings for ``mode``, or None for full precision.

    ``keep`` names modules left in the compute dtype: each family keeps its vision tower and
    projector there (small, and the image tokens are all the model sees of the dish) and lm_head.
    """
    if mode == "none":
        return None
    if importlib.util.find_spec("bitsandbytes") is None:
        raise FoodcapError(
            f"{mode} quantization needs bitsandbytes, which is not installed: pip install 'foodcap-vlm[quant]'"
        )
    if device.type != "cuda":
        raise FoodcapError(f"{mode} quantization runs on CUDA GPUs only; use --device cuda or drop it")
    if mode == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True, llm_int8_skip_modules=list(keep))
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_compute_dtype=compute_dtype,
        llm_int8_skip_modules=list(keep),
    )
