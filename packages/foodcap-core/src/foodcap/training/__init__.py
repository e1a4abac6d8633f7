"""Fine-tuning any TrainableCaptioner: `foodcap train`.

The loop (and with it torch) is imported on first use, so `foodcap train --help` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .options import TrainConfig, TrainOptions

__all__ = ["EpochCallback", "TrainConfig", "TrainOptions", "TrainResult", "Trainer", "train"]

_FROM_LOOP = {"EpochCallback", "Trainer", "TrainResult", "train"}


def __getattr__(name: str) -> Any:
    if name not in _FROM_LOOP:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(".loop", __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from .loop import EpochCallback, Trainer, TrainResult, train
