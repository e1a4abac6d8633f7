"""Fine-tuning any TrainableCaptioner: `foodcap train`."""

from .loop import Trainer, TrainResult, train
from .options import TrainConfig, TrainOptions

__all__ = ["TrainConfig", "TrainOptions", "TrainResult", "Trainer", "train"]
