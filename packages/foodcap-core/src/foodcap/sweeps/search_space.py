"""What `foodcap sweep` can be told: the training config plus the search space (the ``[sweep]`` table)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator

from ..config import _Section
from ..training.options import TrainConfig

SEARCHABLE = ("lr", "weight_decay", "warmup_ratio", "batch_size", "freeze")


def _ordered(values: tuple[float, float]) -> tuple[float, float]:
    if values[0] > values[1]:
        raise ValueError("the low end must not exceed the high end")
    return values


class SweepSpace(_Section):
    """The hyperparameters searched and their ranges; anything not searched keeps its training value."""

    trials: int = Field(10, ge=1, description="Finished trials (complete or pruned) the study should hold.")
    search: list[str] = Field(list(SEARCHABLE), description="Hyperparameters to search: " + ", ".join(SEARCHABLE) + ".")
    lr_range: tuple[float, float] = Field((1e-5, 1e-3), description="Learning-rate range, searched on a log scale.")
    weight_decay_range: tuple[float, float] = Field((0.0, 0.1), description="Weight-decay range.")
    warmup_ratio_range: tuple[float, float] = Field((0.0, 0.2), description="Warmup-fraction range.")
    batch_sizes: list[int] = Field([8, 16, 32], description="Batch sizes to choose from.")
    freeze_policies: list[str] = Field(["none", "encoder", "decoder"], description="Freeze policies to choose from.")
    sampler_seed: int = Field(0, description="Seed of optuna's TPE sampler.")
    pruning: bool = Field(True, description="Stop trials whose val loss is worse than the median trial's.")
    prune_after_trials: int = Field(2, ge=0, description="Finished trials before any trial may be pruned.")
    prune_from_epoch: int = Field(2, ge=1, description="Earliest epoch at which a trial may be pruned.")
    storage: str | None = Field(
        None,
        description="Optuna storage URL shared by parallel workers: sqlite:///study.db (one machine), "
        "postgresql://... or mysql+pymysql://... (a cluster; extras foodcap-core[sweep-postgresql] or "
        "[sweep-mysql]); default: DIR/study.db.",
    )
    study_name: str | None = Field(
        None,
        description="Join (or start) this study: every `foodcap sweep` given the same storage and name "
        "works on it at once, and --trials counts the trials of all of them.",
    )

    @field_validator("search")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        unknown = [name for name in names if name not in SEARCHABLE]
        if unknown or not names:
            raise ValueError(f"choose from {', '.join(SEARCHABLE)} (got {', '.join(unknown) or 'nothing'})")
        return list(dict.fromkeys(names))

    @field_validator("lr_range")
    @classmethod
    def _positive_lr(cls, values: tuple[float, float]) -> tuple[float, float]:
        if values[0] <= 0:
            raise ValueError("learning rates must be positive (the range is searched on a log scale)")
        return _ordered(values)

    @field_validator("weight_decay_range", "warmup_ratio_range")
    @classmethod
    def _non_negative(cls, values: tuple[float, float]) -> tuple[float, float]:
        if values[0] < 0:
            raise ValueError("must not be negative")
        return _ordered(values)

    @field_validator("batch_sizes")
    @classmethod
    def _batch_sizes(cls, values: list[int]) -> list[int]:
        if not values or min(values) < 1:
            raise ValueError("give one or more positive batch sizes")
        return values

    @model_validator(mode="after")
    def _warmup_is_a_fraction(self) -> SweepSpace:
        if self.warmup_ratio_range[1] > 1:
            raise ValueError("warmup_ratio_range must lie within 0..1")
        if not self.freeze_policies:
            raise ValueError("freeze_policies must name at least one policy")
        return self


class SweepConfig(TrainConfig):
    """`foodcap sweep`: a training config whose ``out`` holds the study, and the ``sweep`` table."""

    out: Path = Field(..., description="Sweep folder: study.db, trials/NNN (training folders), best (a link).")
    resume: bool = Field(False, description="Continue the sweep in --out; finished trials are kept.")
    sweep: SweepSpace = Field(default_factory=SweepSpace)
