"""Fine-tuning any TrainableCaptioner: `foodcap train`."""

from .loop import EpochCallback, Trainer, TrainResult, train
from .options import TrainConfig, TrainOptions

__all__ = ["EpochCallback", "TrainConfig", "TrainOptions", "TrainResult", "Trainer", "train"]
