"""What `foodcap train` can be told: the run config plus the training schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from ..config import RunConfig, _Section

TrackerKind = Literal["none", "wandb"]


class TrainOptions(_Section):
    freeze: str | None = Field(
        None, description="Freeze policy: none, encoder, decoder or a plugin's (e.g. lora); default: the captioner's."
    )
    epochs: int = Field(3, ge=1, description="Training epochs.")
    lr: float = Field(5e-5, gt=0, description="Peak learning rate (AdamW).")
    weight_decay: float = Field(0.01, ge=0, description="AdamW weight decay (not on biases and norms).")
    warmup_ratio: float = Field(0.0, ge=0, le=1, description="Fraction of steps spent warming up.")
    schedule: Literal["linear", "cosine", "constant"] = Field("linear", description="Learning-rate schedule.")
    grad_accum: int = Field(1, ge=1, description="Batches per optimizer step.")
    max_grad_norm: float | None = Field(1.0, gt=0, description="Gradient clipping norm.")
    seed: int = Field(0, description="Seed for initialisation, shuffling and dropout.")
    eval_every: int = Field(1, ge=1, description="Score the val split every N epochs (val loss every epoch).")
    eval_limit: int | None = Field(None, ge=1, description="Caption at most N val images when scoring.")
    best_metric: str = Field("val_loss", description="val_loss or a metric name that picks the best checkpoint.")
    patience: int | None = Field(None, ge=1, description="Stop after N epochs without improvement.")
    mixed_precision: Literal["auto", "no", "bf16", "fp16"] = Field(
        "auto",
        description="auto = bf16 autocast where native (compute capability 8.0+), fp16 with a "
        "GradScaler on older GPUs, none on CPU.",
    )
    keep_checkpoints: int = Field(1, ge=1, description="Epoch checkpoints kept in checkpoints/ (the newest K).")
    cache_encoder: bool = Field(False, description="With a frozen encoder, compute its outputs once.")
    test_eval: bool = Field(True, description="Caption and score the test split with the best weights at the end.")
    tracker: TrackerKind = Field(
        "none",
        description="Also log to an experiment tracker: none or wandb "
        "(pip install 'foodcap-core[wandb]'; WANDB_MODE=offline needs no account).",
    )


class TrainConfig(RunConfig):
    """`foodcap train`: everything `run` takes plus the ``train`` table; ``out`` is required."""

    out: Path | None = Field(None, description="Training folder (default: runs/<captioner>-train-<timestamp>).")
    train: TrainOptions = Field(default_factory=TrainOptions)

    @model_validator(mode="after")
    def _not_sharded_or_spread(self) -> TrainConfig:
        if self.shard is not None:
            raise ValueError("--shard is for foodcap run; under torchrun, training shards every step by rank")
        if self.options.get("device_map") is not None:
            raise ValueError("--device-map is for foodcap run; training puts the model on each rank's device")
        return self
