"""Trainable parameters stay float32 master weights, whatever ``--dtype`` says for the frozen parts."""

from __future__ import annotations

import torch

from ..errors import FoodcapError


def keep_trainable_float32(model: torch.nn.Module, autocast: str) -> int:
    """Upcast low-precision trainable parameters to float32; returns how many were upcast.

    Under autocast (``bf16``/``fp16``) frozen low-precision parts and float32 trainable ones mix
    safely. Without it they would not, so the run refuses with the reason instead.
    """
    low = [p for p in model.parameters() if p.requires_grad and p.dtype != torch.float32]
    if not low:
        return 0
    if autocast == "no":
        dtype = str(low[0].dtype).removeprefix("torch.")
        raise FoodcapError(
            f"--dtype {dtype} would train {dtype} weights without float32 master copies; "
            "train with --dtype float32 (and --mixed-precision bf16 or fp16 on a GPU)"
        )
    with torch.no_grad():
        for parameter in low:
            parameter.data = parameter.data.float()
    return len(low)
