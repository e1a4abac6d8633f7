"""Reading finished (or stopped) run folders back for compare and report: what each run wrote, nothing more."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dataset.inside_root import inside
from ..errors import FoodcapError
from ..runs.folder import HISTORY, METRICS, PREDICTIONS, RUN, read_jsonl

GROUNDING = "grounding.json"  # optional: a check that captions depend on the image, shown when present

# What a run was scored on: runs differing in any of these are not comparable side by side.
EVALUATION_FIELDS = ("split", "dialect", "manifest_digest", "limit", "count")


@dataclass
class RunRecord:
    """One run folder as written by `foodcap run`, `train` or a sweep trial."""

    path: Path
    label: str
    metrics: dict[str, Any] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    predictions: list[dict[str, Any]] = field(default_factory=list)
    grounding: dict[str, Any] = field(default_factory=dict)

    @property
    def scores(self) -> dict[str, float]:
        return dict(self.metrics.get("scores", {}))

    @property
    def evaluated(self) -> bool:
        """Whether test metrics exist (a pruned or interrupted training has none)."""
        return bool(self.metrics)

    @property
    def kind(self) -> str:
        if self.record:
            return str(self.record.get("kind", "run"))
        return "train (unfinished)" if self.history else "run (unfinished)"

    @property
    def captioner(self) -> str:
        described = self.record.get("captioner")
        name = described.get("name") if isinstance(described, dict) else described
        return str(name or self.metrics.get("captioner") or "—")

    def evaluated_on(self, name: str) -> Any:
        return self.metrics.get(name)

    def may_show_image(self, path: Path) -> bool:
        """Whether ``path`` lies where this run read images: inside the dataset folders its run.json
        records (anywhere if the run allowed outside paths). A run that records none shows no image,
        so a run folder from elsewhere cannot name a local file into a report."""
        if "image_roots" not in self.record:
            return False
        roots = self.record["image_roots"]
        return roots is None or inside(path, [Path(root) for root in roots])


def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FoodcapError(f"{path} is not readable JSON: {error}") from error
    if not isinstance(data, dict):
        raise FoodcapError(f"{path} does not hold a JSON object")
    return data


def load_run(path: Path, label: str) -> RunRecord:
    if not path.is_dir():
        raise FoodcapError(f"run folder {path} does not exist")
    if not any((path / name).exists() for name in (METRICS, RUN, HISTORY, PREDICTIONS)):
        raise FoodcapError(f"{path} is not a foodcap run folder (no metrics.json, run.json or history.jsonl)")
    record = _read_json(path / RUN)
    return RunRecord(path=path, label=label, metrics=_read_json(path / METRICS), record=record,
                     history=read_jsonl(path / HISTORY), predictions=read_jsonl(path / PREDICTIONS),
                     grounding=_read_json(path / GROUNDING) or dict(record.get("grounding") or {}))


def run_labels(paths: Sequence[Path]) -> list[str]:
    """Short names that tell the runs apart: the folder name, with parents added only where needed.

    A link (a sweep's ``best``) keeps its parent's name, so ``sweep/best`` says what it is.
    """
    def parts(path: Path, depth: int) -> str:
        chosen = path.absolute().parts[-depth:]
        return "/".join(chosen)

    depths = [2 if path.is_symlink() else 1 for path in paths]
    while True:
        labels = [parts(path, depth) for path, depth in zip(paths, depths)]
        clashes = {label for label in labels if labels.count(label) > 1}
        deeper = [depth + 1 if label in clashes and depth < len(path.absolute().parts) else depth
                  for path, depth, label in zip(paths, depths, labels)]
        if deeper == depths:
            return labels
        depths = deeper


def load_runs(paths: Sequence[Path]) -> list[RunRecord]:
    if not paths:
        raise FoodcapError("give at least one run folder")
    unique = list(dict.fromkeys(Path(p) for p in paths))
    return [load_run(path, label) for path, label in zip(unique, run_labels(unique))]
