"""Which dtype a model computes in, and why: the hardware's native types and the model family's limits.

bfloat16 is used only where the GPU has it natively (compute capability 8.0+). Older GPUs (T4, V100,
P100: Kaggle's and Colab's) get float16, unless the family overflows in float16 (Gemma 3 captions
NaN or nothing), in which case they get float32. A captioner names its family's risk through
``Captioner.float16_risk``; every choice comes with a reason that run.json and ``foodcap doctor`` show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import torch

from ..errors import FoodcapError

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
AMPERE = (8, 0)  # the first compute capability with native bfloat16 and TF32 tensor cores
MixedPrecision = Literal["no", "bf16", "fp16"]


@dataclass(frozen=True)
class Precision:
    """A dtype and the reason it was chosen (recorded in run.json)."""

    dtype: torch.dtype
    reason: str

    @property
    def name(self) -> str:
        return str(self.dtype).removeprefix("torch.")

    def record(self) -> dict[str, str]:
        return {"dtype": self.name, "reason": self.reason}


def native_bf16(device: torch.device) -> bool:
    """bfloat16 in hardware (compute capability 8.0+): T4 and V100 only emulate it, slowly."""
    return device.type == "cuda" and torch.cuda.get_device_capability(device) >= AMPERE


def _gpu(device: torch.device) -> str:
    major, minor = torch.cuda.get_device_capability(device)
    return f"compute capability {major}.{minor}"


def refuse_float16(risk: str | None, flag: str) -> None:
    """An explicit float16 request for a family that overflows in it: one line saying why."""
    if risk is not None:
        raise FoodcapError(
            f"{flag} is refused: {risk}. Use bfloat16 on a GPU that has it natively "
            "(compute capability 8.0+) or float32"
        )


def choose_dtype(requested: str, device: torch.device, float16_risk: str | None = None) -> Precision:
    """``auto``: float32 on the CPU; bfloat16 where native; else float16, or float32 if the family
    overflows in float16. An explicit float16 for such a family is refused; other explicit choices stand."""
    if requested != "auto":
        if requested == "float16":
            refuse_float16(float16_risk, "--dtype float16")
        return Precision(DTYPES[requested], "asked for with --dtype")
    if device.type != "cuda":
        return Precision(torch.float32, "the CPU computes in float32")
    if native_bf16(device):
        return Precision(torch.bfloat16, f"native bfloat16 ({_gpu(device)})")
    if float16_risk is not None:
        return Precision(torch.float32, f"no native bfloat16 ({_gpu(device)}) and float16 is unsafe: {float16_risk}")
    return Precision(torch.float16, f"no native bfloat16 ({_gpu(device)}); float16 is safe for this model")


def choose_mixed_precision(
    choice: str, device: torch.device, float16_risk: str | None = None
) -> tuple[MixedPrecision, str]:
    """accelerate's autocast setting for training, with its reason: ``auto`` follows ``choose_dtype``
    (fp16 gets a GradScaler, which accelerate adds; float32 means no autocast)."""
    if choice != "auto":
        if choice == "fp16":
            refuse_float16(float16_risk, "--mixed-precision fp16")
        return choice, "asked for with --mixed-precision"  # type: ignore[return-value]  # validated by TrainOptions
    precision = choose_dtype("auto", device, float16_risk)
    autocast: Mapping[torch.dtype, MixedPrecision] = {torch.bfloat16: "bf16", torch.float16: "fp16"}
    return autocast.get(precision.dtype, "no"), precision.reason


def auto_dtype_summary(device: torch.device, risks: Mapping[str, str | None]) -> str:
    """What ``auto`` picks on ``device`` for each captioner (``risks``: captioner -> float16 risk), for doctor."""
    plain = choose_dtype("auto", device).name
    unsafe = sorted(name for name, risk in risks.items() if risk is not None)
    if not unsafe or plain != "float16":
        return f"auto dtype {plain}"
    return f"auto dtype float16; float32 for {', '.join(unsafe)} (they overflow in float16)"
