"""`foodcap report`: run folders in, one self-contained folder out (index.html, plots/*.png, images/*)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..errors import FoodcapError
from ..runs.folder import PREDICTIONS, write_atomically
from ..significance import PairedSettings
from ..version import __version__
from .comparison import compared
from .gallery import ImageCopies, best_and_worst, headline_metric, shared_gallery
from .html_page import Plot, ReportContent, render_page
from .plots import has_val_metrics, plot_losses, plot_scores, plot_val_metrics
from .run_records import load_runs

PAGE = "index.html"
# Sub-folders the report owns: emptied on every write so no stale picture survives a rerun.
OWNED = ("plots", "images")


@dataclass(frozen=True)
class ReportSettings:
    gallery_size: int = 8
    examples: int = 3
    metric: str | None = None
    paired: PairedSettings | None = field(default_factory=PairedSettings)  # intervals and p-values; None: none


def _prepare(out: Path) -> None:
    if (out / PREDICTIONS).exists():
        raise FoodcapError(f"{out} holds a run; write the report into another folder (--out)")
    out.mkdir(parents=True, exist_ok=True)
    for name in OWNED:
        shutil.rmtree(out / name, ignore_errors=True)


def write_report(paths: Sequence[Path], out: Path, settings: ReportSettings = ReportSettings()) -> Path:
    """Write the report and return the page's path."""
    runs = load_runs(paths)
    _prepare(out)
    comparison = compared(runs, settings.paired)
    metric = headline_metric(runs, settings.metric)
    if metric is not None and not any(metric in record.get("scores", {}) for run in runs for record in run.predictions):
        raise FoodcapError(
            f"no run has per-sample scores for metric {metric!r}; choose one of: "
            + (", ".join(comparison.metrics) or "(none scored)")
        )

    plots = []
    if any(run.history for run in runs):
        plot_losses(runs, out / "plots" / "loss.png")
        plots.append(Plot("Loss curves", "plots/loss.png", "Train (dashed) and validation (solid) loss per epoch."))
    if has_val_metrics(runs):
        plot_val_metrics(runs, out / "plots" / "val_metrics.png")
        plots.append(
            Plot(
                "Validation metrics",
                "plots/val_metrics.png",
                "Metrics on the validation split, on the epochs where it was scored.",
            )
        )
    if comparison.metrics and len(runs) > 1:
        plot_scores(comparison, out / "plots" / "scores.png")
        plots.append(Plot("Test scores", "plots/scores.png", "The results table as bars."))

    images = ImageCopies(out)
    content = ReportContent(
        runs=runs,
        comparison=comparison,
        metric=metric,
        plots=plots,
        version=__version__,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        gallery=shared_gallery(runs, settings.gallery_size, metric, images),
        extremes={run.label: best_and_worst(run, settings.examples, metric, images) for run in runs if run.predictions},
    )
    page = out / PAGE
    write_atomically(page, render_page(content))
    return page
