"""Fine-tuning any TrainableCaptioner: `foodcap train`.

The loop (and with it torch) is imported on first use, so `foodcap train --help` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy_names import lazy_names
from .options import TrainConfig, TrainOptions

__all__ = ["EpochCallback", "TrainConfig", "TrainOptions", "TrainResult", "Trainer", "train"]

__getattr__, __dir__ = lazy_names(
    __name__, globals(), dict.fromkeys(("EpochCallback", "Trainer", "TrainResult", "train"), ".loop")
)


if TYPE_CHECKING:
    from .loop import EpochCallback, Trainer, TrainResult, train
