"""Device and dtype choices shared by every captioner and the trainer."""

from __future__ import annotations

import torch

from .errors import FoodcapError

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
AMPERE = (8, 0)  # the first compute capability with native bfloat16 and TF32 tensor cores


def native_bf16(device: torch.device) -> bool:
    """bfloat16 in hardware (compute capability 8.0+): T4 and V100 only emulate it, slowly."""
    return device.type == "cuda" and torch.cuda.get_device_capability(device) >= AMPERE


def resolve_device(requested: str) -> torch.device:
    """``auto`` picks CUDA when present; an unavailable CUDA request is a user error.

    On Ampere and newer GPUs, float32 matmuls and convolutions use TF32 tensor cores.
    """
    if requested == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            device = torch.device(requested)
        except RuntimeError as error:
            raise FoodcapError(f"invalid device {requested!r}: use auto, cpu, cuda or cuda:N") from error
        if device.type == "cuda" and not torch.cuda.is_available():
            raise FoodcapError(f"device {requested!r} was asked for, but no CUDA GPU is available")
    if native_bf16(device):
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    return device


def resolve_dtype(requested: str, device: torch.device) -> torch.dtype:
    """``auto`` is bfloat16 where it is native, float16 on older GPUs, float32 on the CPU."""
    if requested == "auto":
        if device.type != "cuda":
            return torch.float32
        return torch.bfloat16 if native_bf16(device) else torch.float16
    return _DTYPES[requested]


def mixed_precision(choice: str, device: torch.device) -> str:
    """accelerate's autocast setting for training: ``auto`` is bf16 where native, fp16 (with a GradScaler,
    which accelerate adds) on older GPUs, none on the CPU."""
    if choice != "auto":
        return choice
    if device.type != "cuda":
        return "no"
    return "bf16" if native_bf16(device) else "fp16"
