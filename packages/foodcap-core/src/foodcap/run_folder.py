"""A run's folder: predictions.jsonl (appended as batches finish), metrics.json, run.json, split.json;
training adds history.jsonl, checkpoints/ and best/."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import FoodcapError

PREDICTIONS = "predictions.jsonl"
METRICS = "metrics.json"
RUN = "run.json"
SPLIT = "split.json"
HISTORY = "history.jsonl"  # training: one row per epoch
CHECKPOINTS = "checkpoints"  # training: the latest epoch's resumable state
BEST = "best"  # training: the best epoch's checkpoint


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(handle, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; results should be readable like any other
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSON-lines file; a torn last line (an interrupted append) is ignored."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return records


class RunFolder:
    """Owns the files of one run; ``resume`` keeps what an interrupted run already wrote."""

    def __init__(self, path: Path, resume: bool = False) -> None:
        self.path = path
        if self.predictions_path.exists() and not resume:
            raise FoodcapError(
                f"{path} already holds a run; pass --resume to continue it or choose another --out"
            )
        if resume and not path.exists():
            raise FoodcapError(f"cannot resume: {path} does not exist")
        path.mkdir(parents=True, exist_ok=True)
        self._drop_torn_tail()

    @property
    def predictions_path(self) -> Path:
        return self.path / PREDICTIONS

    def finished(self) -> list[dict[str, Any]]:
        return read_jsonl(self.predictions_path)

    def append_predictions(self, records: Iterable[dict[str, Any]]) -> None:
        """Append one batch and make it durable, so ``--resume`` never redoes it."""
        lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        with self.predictions_path.open("a", encoding="utf-8") as file:
            file.write(lines)
            file.flush()
            os.fsync(file.fileno())

    def rewrite_predictions(self, records: Iterable[dict[str, Any]]) -> None:
        text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        write_atomically(self.predictions_path, text)

    def write(self, name: str, data: Any) -> None:
        write_json(self.path / name, data)

    def _drop_torn_tail(self) -> None:
        """Cut an incomplete last line left by a crash so appends start on a fresh line."""
        if not self.predictions_path.exists():
            return
        raw = self.predictions_path.read_bytes()
        if raw and not raw.endswith(b"\n"):
            self.predictions_path.write_bytes(raw[: raw.rfind(b"\n") + 1])
