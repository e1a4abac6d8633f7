"""The qualitative part of a report: the same test images for every run, and each run's best and worst."""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..runs.predictions import evenly_spaced, record_references
from .run_records import RunRecord


@dataclass(frozen=True)
class Caption:
    run: str
    text: str
    score: float | None  # the headline metric's
    image_scores: tuple[tuple[str, float], ...] = ()  # image metrics' (clipscore...), shown beside it


@dataclass(frozen=True)
class GalleryItem:
    """One image with its ground truth and the captions shown next to it."""

    id: str
    references: list[str]  # every reference caption of the image (COCO has five)
    image: str | None  # path relative to the report folder; None when the source image is gone
    captions: list[Caption]

    @property
    def reference(self) -> str:
        return self.references[0]


def headline_metric(runs: Sequence[RunRecord], requested: str | None) -> str | None:
    """The metric whose per-sample score is shown: the one asked for, else the first every run has."""
    with_predictions = [run for run in runs if run.predictions]
    if requested is not None or not with_predictions:
        return requested
    shared = [
        name
        for name in with_predictions[0].predictions[0].get("scores", {})
        if all(name in run.predictions[0].get("scores", {}) for run in with_predictions)
    ]
    return shared[0] if shared else None


class ImageCopies:
    """Copies source images into ``images/`` of the report once each, so the page needs nothing outside it.

    Only images a run read are copied: a record's path must lie where its run read images.
    """

    def __init__(self, report: Path) -> None:
        self.report = report
        self.copied: dict[str, str | None] = {}

    def relative(self, run: RunRecord, record: dict[str, Any]) -> str | None:
        sample_id = str(record["id"])
        if sample_id not in self.copied:
            source = Path(record["image"])
            self.copied[sample_id] = self._copy(sample_id, source) if run.may_show_image(source) else None
        return self.copied[sample_id]

    def _copy(self, sample_id: str, source: Path) -> str | None:
        if not source.is_file():
            return None
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", sample_id).strip("-.") or "image"
        name = f"images/{len(self.copied):04d}-{safe[:60]}{source.suffix.lower()}"
        (self.report / "images").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, self.report / name)
        return name


def _score(record: dict[str, Any], metric: str | None) -> float | None:
    value = record.get("scores", {}).get(metric) if metric else None
    return float(value) if isinstance(value, (int, float)) else None


def _caption(run: RunRecord, record: dict[str, Any], metric: str | None) -> Caption:
    """A run's caption with its headline score and, beside it, each image metric's score for that image."""
    beside = tuple(
        (name, score) for name in run.image_metrics if name != metric and (score := _score(record, name)) is not None
    )
    return Caption(run.label, record["caption"], _score(record, metric), beside)


def shared_gallery(runs: Sequence[RunRecord], count: int, metric: str | None, images: ImageCopies) -> list[GalleryItem]:
    """``count`` images every run captioned, chosen by id in the first run's order."""
    with_predictions = [run for run in runs if run.predictions]
    if not with_predictions:
        return []
    by_run = [{record["id"]: record for record in run.predictions} for run in with_predictions]
    shared = [record for record in with_predictions[0].predictions if all(record["id"] in ids for ids in by_run)]
    items = []
    for record in evenly_spaced(shared, count):
        captions = [_caption(run, ids[record["id"]], metric) for run, ids in zip(with_predictions, by_run)]
        items.append(
            GalleryItem(record["id"], record_references(record), images.relative(with_predictions[0], record), captions)
        )
    return items


def best_and_worst(
    run: RunRecord, count: int, metric: str | None, images: ImageCopies
) -> tuple[list[GalleryItem], list[GalleryItem]]:
    """The run's ``count`` highest- and lowest-scoring captions (ties broken by id, so reruns agree)."""
    scored = [record for record in run.predictions if _score(record, metric) is not None]
    if not scored:
        return [], []
    best = sorted(scored, key=lambda record: (-(_score(record, metric) or 0.0), str(record["id"])))[:count]
    shown = {record["id"] for record in best}
    worst = [
        record
        for record in sorted(scored, key=lambda record: (_score(record, metric) or 0.0, str(record["id"])))
        if record["id"] not in shown
    ][:count]

    def item(record: dict[str, Any]) -> GalleryItem:
        return GalleryItem(
            record["id"], record_references(record), images.relative(run, record), [_caption(run, record, metric)]
        )

    return [item(record) for record in best], [item(record) for record in worst]
