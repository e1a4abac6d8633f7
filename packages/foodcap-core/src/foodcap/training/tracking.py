"""Experiment tracking (``--tracker wandb``): config, per-epoch history and the test gallery, beside history.jsonl.

wandb is an optional extra (``foodcap-core[wandb]``); ``WANDB_MODE=offline`` works without an account.
Local files stay the record of truth: the tracker only mirrors what the trainer writes anyway.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from ..errors import FoodcapError
from ..runs.folder import METRICS, PREDICTIONS, read_jsonl, write_json
from ..runs.predictions import evenly_spaced
from .options import TrackerKind, TrainConfig

TRACKER_STATE = "tracker.json"  # the tracker's run id, so `--resume` continues the same tracked run
GALLERY_SIZE = 16


class Tracker(Protocol):
    def log_epoch(self, row: dict[str, Any]) -> None: ...

    def log_test(self, folder: Path) -> None: ...


def load_tracker_library(kind: TrackerKind) -> ModuleType | None:
    """The tracker's library, or a one-line error naming the extra to install; checked before any model loads."""
    if kind == "none":
        return None
    try:
        import wandb
    except ImportError as error:
        raise FoodcapError("--tracker wandb needs wandb: pip install 'foodcap-core[wandb]'") from error
    return wandb


def epoch_values(row: dict[str, Any]) -> dict[str, float]:
    """A history row as flat numbers: losses and timings by their history names, val metrics under ``val/``."""
    values = {
        key: value
        for key, value in row.items()
        if key != "val_metrics" and isinstance(value, (int, float)) and not isinstance(value, bool)
    }
    values.update({f"val/{name}": value for name, value in row.get("val_metrics", {}).items()})
    return values


class WandbTracker:
    def __init__(self, wandb: ModuleType, run: Any) -> None:
        self.wandb, self.run = wandb, run

    def log_epoch(self, row: dict[str, Any]) -> None:
        self.run.log(epoch_values(row), step=int(row["epoch"]))

    def log_test(self, folder: Path) -> None:
        """Test scores into the summary and a table of test images with their captions."""
        metrics_path = folder / METRICS
        if not metrics_path.exists():
            return
        scores = json.loads(metrics_path.read_text(encoding="utf-8")).get("scores", {})
        for name, value in scores.items():
            self.run.summary[f"test/{name}"] = value
        records = evenly_spaced(read_jsonl(folder / PREDICTIONS), GALLERY_SIZE)
        table = self.wandb.Table(columns=["id", "image", "reference", "caption", *scores])
        for record in records:
            image = self.wandb.Image(record["image"]) if Path(record["image"]).is_file() else None
            table.add_data(
                record["id"],
                image,
                record["reference"],
                record["caption"],
                *(record.get("scores", {}).get(name) for name in scores),
            )
        self.run.log({"test_gallery": table})


def _run_id(folder: Path) -> str:
    state = folder / TRACKER_STATE
    if state.exists():
        return str(json.loads(state.read_text(encoding="utf-8"))["wandb_run_id"])
    run_id = secrets.token_hex(6)  # wandb run ids are short alphanumerics; hex is a safe subset
    write_json(state, {"wandb_run_id": run_id})
    return run_id


@contextmanager
def tracked(
    config: TrainConfig, folder: Path, group: str | None = None, active: bool = True
) -> Iterator[Tracker | None]:
    """Open the configured tracker for one training folder; it is closed as failed if training raises."""
    wandb = load_tracker_library(config.train.tracker)
    if wandb is None or not active:
        yield None
        return
    try:
        run = wandb.init(
            project=os.environ.get("WANDB_PROJECT", "foodcap"),
            name=folder.name,
            group=group,
            job_type="train",
            config=config.model_dump(mode="json"),
            id=_run_id(folder),
            resume="allow",
            dir=None if os.environ.get("WANDB_DIR") else str(folder),  # default: inside the training folder
            settings=wandb.Settings(console="off"),  # rich draws the progress bars; leave stdout alone
        )
    except (wandb.errors.UsageError, wandb.errors.CommError) as error:
        raise FoodcapError(f"wandb could not start ({error}); run `wandb login` or set WANDB_MODE=offline") from error
    try:
        yield WandbTracker(wandb, run)
    except BaseException:
        run.finish(exit_code=1)
        raise
    run.finish()
