"""Fine-tuning any TrainableCaptioner: `foodcap train`."""

from .loop import TrainResult, Trainer, train
from .options import TrainConfig, TrainOptions

__all__ = ["TrainConfig", "TrainOptions", "TrainResult", "Trainer", "train"]
