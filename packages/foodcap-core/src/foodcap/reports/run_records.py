"""Reading finished (or stopped) run folders back for compare and report: what each run wrote, nothing more."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dataset.inside_root import inside
from ..errors import FoodcapError
from ..runs.folder import HISTORY, METRICS, PARTS, PREDICTIONS, RUN, STARTED, read_jsonl

logger = logging.getLogger("foodcap")

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

    @property
    def image_metrics(self) -> list[str]:
        """The metrics that scored captions against their images (clipscore...), shown in the gallery."""
        return [str(name) for name in self.metrics.get("image_metrics", [])]

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


def is_run(path: Path) -> bool:
    """A folder `foodcap run`, `train` or a sweep trial wrote results into (finished or not)."""
    return path.is_dir() and any((path / name).exists() for name in (METRICS, RUN, HISTORY, PREDICTIONS))


def find_runs(paths: Sequence[Path], depth: int = 3) -> tuple[list[Path], list[Path]]:
    """(runs, skipped): each path that is a run, and the runs inside a folder that holds some (the demo's
    folder, ``runs/``), looked for ``depth`` levels down but never inside a run; skipped are the paths
    given that are neither, and the half-made runs met on the way (a run that failed before writing any)."""
    runs: list[Path] = []
    skipped: list[Path] = []
    seen: set[Path] = set()

    def visit(path: Path, level: int, given: bool) -> None:
        if is_run(path):
            if given or path.resolve() not in seen:  # a sweep's best/ links to one of its trials: once
                runs.append(path)
                seen.add(path.resolve())
            return
        found_before = len(runs)
        if path.is_dir() and level < depth:
            for child in sorted(entry for entry in path.iterdir() if entry.is_dir() and not entry.name.startswith(".")):
                visit(child, level + 1, given=False)
        if (given and len(runs) == found_before) or (path / STARTED).exists() or (path / PARTS).is_dir():
            skipped.append(path)

    for path in paths:
        if not path.exists():
            raise FoodcapError(f"run folder {path} does not exist")
        visit(path, 0, given=True)
    return runs, skipped


def load_run(path: Path, label: str) -> RunRecord:
    if not path.is_dir():
        raise FoodcapError(f"run folder {path} does not exist")
    if not is_run(path):
        raise FoodcapError(f"{path} is not a foodcap run folder (no metrics.json, run.json or history.jsonl)")
    record = _read_json(path / RUN)
    return RunRecord(
        path=path,
        label=label,
        metrics=_read_json(path / METRICS),
        record=record,
        history=read_jsonl(path / HISTORY),
        predictions=read_jsonl(path / PREDICTIONS),
        grounding=_read_json(path / GROUNDING) or dict(record.get("grounding") or {}),
    )


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
        deeper = [
            depth + 1 if label in clashes and depth < len(path.absolute().parts) else depth
            for path, depth, label in zip(paths, depths, labels)
        ]
        if deeper == depths:
            return labels
        depths = deeper


def load_runs(paths: Sequence[Path]) -> list[RunRecord]:
    """The runs among ``paths`` (see ``find_runs``); what is no run is skipped with one warning line."""
    if not paths:
        raise FoodcapError("give at least one run folder")
    found, skipped = find_runs(list(dict.fromkeys(Path(p) for p in paths)))
    shown = ", ".join(map(str, skipped))
    if not found:
        raise FoodcapError(
            f"{shown} is not a foodcap run folder and holds none (no metrics.json, run.json or history.jsonl)"
        )
    if skipped:
        logger.warning(
            "skipped %d folder(s) that hold no foodcap run (nothing finished in them): %s", len(skipped), shown
        )
    return [load_run(path, label) for path, label in zip(found, run_labels(found))]
