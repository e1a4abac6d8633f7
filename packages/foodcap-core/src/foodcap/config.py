"""Run and training configuration: one set of pydantic models for the CLI, config files and run records."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .checkpoint_record import RECORD, recorded_captioner
from .errors import FoodcapError
from .launch import Shard
from .metric import Dialect

Split = Literal["train", "val", "test", "all"]

# The metrics `foodcap run` computes when --metrics is not given (those that are installed).
DEFAULT_METRICS = ("bleu-1", "bleu-2", "rouge-l", "meteor", "cider-d")
NO_METRICS = "none"  # --metrics none: caption without scoring
# Host memory (MiB) decoded batches may hold while they wait for the model (--prefetch-mb).
DEFAULT_PREFETCH_MB = 2048


def default_workers() -> int:
    return max(1, min(8, (os.cpu_count() or 2)))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class DataConfig(_Section):
    dataset: str = Field(
        "sample", description="Dataset folder or file (kind detected), KIND:PATH, or 'sample' for the bundled one."
    )
    dataset_kind: str | None = Field(
        None, description="Dataset kind, e.g. kaggle-food, imagefolder, coco, hf (default: detected)."
    )
    image_column: str | None = Field(None, description="Image column of an hf dataset (default: its Image column).")
    caption_column: str | None = Field(
        None, description="Caption column (imagefolder, hf; default: caption, captions, text, title...)."
    )
    image_root: Path | None = Field(
        None, description="Folder a COCO JSON's image paths start from (default: its folder)."
    )
    allow_outside_root: bool = Field(
        False,
        description="Read images whose paths lead outside the dataset's folder (../x.jpg, absolute paths, "
        "symlinks); by default they are skipped and counted.",
    )
    own_split: bool = Field(True, description="Use the dataset's own train/val/test split when it has one.")
    split: Split = Field("test", description="Which split to caption.")
    split_ratios: tuple[float, float, float] = Field(
        (0.8, 0.1, 0.1), description="Train/val/test fractions, comma-separated."
    )
    split_seed: int = Field(0, description="Seed of the deterministic split.")
    limit: int | None = Field(
        None,
        ge=1,
        description="Use only the first N images of each split: run captions N; "
        "train also trains, validates and tests on N.",
    )
    batch_size: int = Field(16, ge=1, description="Images per batch.")
    num_workers: int = Field(
        default_factory=default_workers, ge=0, description="DataLoader worker processes (0 = in-process)."
    )
    prefetch_mb: int = Field(
        DEFAULT_PREFETCH_MB,
        ge=1,
        description="Most host memory (MiB) decoded batches may hold while they wait for the model.",
    )

    @field_validator("split_ratios")
    @classmethod
    def _ratios_sum_to_one(cls, ratios: tuple[float, float, float]) -> tuple[float, float, float]:
        if any(r < 0 for r in ratios) or abs(sum(ratios) - 1.0) > 1e-6:
            raise ValueError("must be three non-negative fractions that sum to 1")
        return ratios


class EvalConfig(_Section):
    metrics: list[str] | None = Field(
        None,
        description="Comma-separated metric names, or none to caption without scoring (default: those of "
        "bleu-1,bleu-2,rouge-l,meteor,cider-d that are installed and have their resources).",
    )
    metric_dialect: Dialect = Field("coco", description="coco (pycocoevalcap) or hf (HF evaluate).")
    metric_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Each metric's own options, by metric name (--metric-option NAME.KEY=VALUE)."
    )

    @field_validator("metrics", mode="before")
    @classmethod
    def _none_is_no_scoring(cls, metrics: Any) -> Any:
        """``none`` (``--metrics none``) is the explicit choice to caption without scoring."""
        names = [metrics] if isinstance(metrics, str) else metrics
        if isinstance(names, list) and NO_METRICS in names:
            if len(names) > 1:
                raise ValueError(f"{NO_METRICS!r} means no scoring; it cannot be combined with metric names")
            return []
        return metrics


class RunConfig(_Section):
    """Everything `foodcap run` needs. `options` holds the captioner's own options."""

    captioner: str = Field(
        ...,
        description="Registered captioner name (see `foodcap plugins`).",
        json_schema_extra={"required_unless": "--checkpoint names it"},
    )
    options: dict[str, Any] = Field(default_factory=dict)
    data: DataConfig = Field(default_factory=DataConfig)
    evaluation: EvalConfig = Field(default_factory=EvalConfig)
    out: Path | None = Field(None, description="Run folder (default: runs/<captioner>-<timestamp>).")
    resume: bool = Field(
        False,
        description="Continue an interrupted run in --out (one that does not exist yet starts afresh, saying so).",
    )
    shard: str | None = Field(
        None,
        description="Caption only slice I of N (e.g. 0/4) as one job of an array; `foodcap merge` "
        "scores the run once every shard is done.",
    )

    @model_validator(mode="before")
    @classmethod
    def _captioner_from_checkpoint(cls, values: Any) -> Any:
        """No captioner named: the one that saved ``options.checkpoint`` (its foodcap.json says)."""
        if not isinstance(values, dict) or values.get("captioner"):
            return values
        options = values.get("options")
        checkpoint = options.get("checkpoint") if isinstance(options, dict) else None
        if not checkpoint:
            return values
        name = recorded_captioner(Path(str(checkpoint)).expanduser())
        if name is None:
            raise ValueError(
                f"name the captioner with --captioner: {checkpoint} does not record which captioner "
                f"saved it (no {RECORD})"
            )
        return {**values, "captioner": name}

    @field_validator("shard")
    @classmethod
    def _shard_is_i_of_n(cls, shard: str | None) -> str | None:
        if shard is not None:
            Shard.parse(shard)  # a malformed value raises FoodcapError: one line naming --shard
        return shard


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file; its tables mirror the config models."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as error:
        raise FoodcapError(f"config file {path} does not exist") from error
    except tomllib.TOMLDecodeError as error:
        raise FoodcapError(f"config file {path} is not valid TOML: {error}") from error


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Nested dict merge: values in ``override`` win; tables merge key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def validation_message(error: ValidationError, flags: Mapping[str, str] | None = None, prefix: str = "") -> str:
    """One line naming the first bad field (and its CLI flag when known)."""
    first = error.errors()[0]
    if not first["loc"]:  # a check across fields: its message says it all
        return str(first["msg"]).removeprefix("Value error, ")
    field = prefix + ".".join(str(part) for part in first["loc"])
    flag = (flags or {}).get(field)
    where = f"{field} ({flag})" if flag else field
    got = f" (got {first['input']!r})" if "input" in first and not isinstance(first["input"], dict) else ""
    extra = len(error.errors()) - 1
    more = f"; and {extra} more problem(s)" if extra else ""
    return f"invalid value for {where}: {first['msg']}{got}{more}"


def validate(
    model: type[BaseModel], values: Mapping[str, Any], flags: Mapping[str, str] | None = None, prefix: str = ""
) -> Any:
    """``model.model_validate`` with a one-line FoodcapError naming the field and its flag."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise FoodcapError(validation_message(error, flags, prefix)) from error
