"""Device and dtype choices shared by every captioner."""

from __future__ import annotations

import torch

from .errors import FoodcapError

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def resolve_device(requested: str) -> torch.device:
    """``auto`` picks CUDA when present; an unavailable CUDA request is a user error."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(requested)
    except RuntimeError as error:
        raise FoodcapError(f"invalid device {requested!r}: use auto, cpu, cuda or cuda:N") from error
    if device.type == "cuda" and not torch.cuda.is_available():
        raise FoodcapError(f"device {requested!r} was asked for, but no CUDA GPU is available")
    return device


def resolve_dtype(requested: str, device: torch.device) -> torch.dtype:
    """``auto`` is bfloat16 on GPUs that support it, float32 elsewhere."""
    if requested == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    return _DTYPES[requested]
