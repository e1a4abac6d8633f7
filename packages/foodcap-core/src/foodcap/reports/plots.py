"""The report's figures as PNG files: loss curves, validation metrics per epoch, and test scores side by side.

matplotlib is an optional extra (``foodcap-core[report]``) and runs on the Agg backend: no display needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import FoodcapError
from .comparison import Comparison
from .run_records import RunRecord


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as error:
        raise FoodcapError("foodcap report needs matplotlib: pip install 'foodcap-core[report]'") from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _colours(count: int) -> list[Any]:
    plt = _pyplot()
    palette = plt.get_cmap("tab10" if count <= 10 else "tab20")
    return [palette(index % palette.N) for index in range(count)]


def _integer_epochs(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xlabel("epoch")
    axis.grid(True, alpha=0.3)


def _save(figure: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    _pyplot().close(figure)
    return path


def plot_losses(runs: Sequence[RunRecord], path: Path) -> Any:
    """Train (dashed) and val (solid) loss per epoch, one colour per run; a star marks each run's best epoch."""
    plt = _pyplot()
    trained = [run for run in runs if run.history]
    figure, axis = plt.subplots(figsize=(8, 4.5))
    for run, colour in zip(trained, _colours(len(trained))):
        epochs = [row["epoch"] for row in run.history]
        axis.plot(
            epochs,
            [row["train_loss"] for row in run.history],
            linestyle="--",
            marker="o",
            markersize=3,
            color=colour,
            label=f"{run.label} train",
        )
        axis.plot(
            epochs,
            [row["val_loss"] for row in run.history],
            linestyle="-",
            marker="o",
            markersize=3,
            color=colour,
            label=f"{run.label} val",
        )
        best = run.history[-1].get("best_epoch")
        best_row = next((row for row in run.history if row["epoch"] == best), None)
        if best_row is not None:
            axis.plot([best], [best_row["val_loss"]], marker="*", markersize=13, color=colour, linestyle="none")
    axis.set_title("Train and validation loss per epoch (★ = best epoch)")
    axis.set_ylabel("loss")
    _integer_epochs(axis)
    axis.legend(fontsize=8, ncol=2 if len(trained) > 3 else 1)
    _save(figure, path)
    return figure


def plot_val_metrics(runs: Sequence[RunRecord], path: Path) -> Any:
    """One panel per metric, one line per run, on the epochs where the val split was scored."""
    plt = _pyplot()
    metrics = list(dict.fromkeys(name for run in runs for row in run.history for name in row.get("val_metrics", {})))
    columns = min(3, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.3 * rows), squeeze=False)
    trained = [run for run in runs if run.history]
    for index, metric in enumerate(metrics):
        axis = axes[index // columns][index % columns]
        for run, colour in zip(trained, _colours(len(trained))):
            points = [
                (row["epoch"], row["val_metrics"][metric])
                for row in run.history
                if metric in row.get("val_metrics", {})
            ]
            if points:
                axis.plot(*zip(*points), marker="o", markersize=3, color=colour, label=run.label)
        axis.set_title(metric)
        axis.set_ylabel(f"val {metric}")
        _integer_epochs(axis)
    for index in range(len(metrics), rows * columns):
        axes[index // columns][index % columns].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(
        handles,
        labels,
        loc="lower center",
        ncol=min(4, len(labels)),
        fontsize=8,
        bbox_to_anchor=(0.5, -0.02 - 0.03 * math.ceil(len(labels) / 4)),
    )
    figure.suptitle("Validation metrics per epoch")
    figure.tight_layout()
    _save(figure, path)
    return figure


def plot_scores(comparison: Comparison, path: Path) -> Any:
    """Test scores as grouped bars: a group per metric, a bar per run."""
    plt = _pyplot()
    labels, metrics = comparison.labels, comparison.metrics
    figure, axis = plt.subplots(figsize=(max(6.0, 1.2 * len(metrics) * max(1, len(labels)) / 2 + 2), 4))
    width = 0.8 / max(1, len(labels))
    for offset, (label, colour) in enumerate(zip(labels, _colours(len(labels)))):
        values = [comparison.scores[metric][label] for metric in metrics]
        positions = [index + (offset - (len(labels) - 1) / 2) * width for index in range(len(metrics))]
        bars = axis.bar(positions, [value or 0.0 for value in values], width=width, color=colour, label=label)
        axis.bar_label(bars, labels=["—" if value is None else f"{value:.3f}" for value in values], fontsize=7)
    axis.set_xticks(range(len(metrics)), metrics)
    axis.set_ylim(bottom=0)
    axis.set_ylabel("test score")
    axis.set_title("Test scores per metric")
    axis.grid(True, axis="y", alpha=0.3)
    axis.legend(fontsize=8)
    _save(figure, path)
    return figure


def has_val_metrics(runs: Sequence[RunRecord]) -> bool:
    return any(row.get("val_metrics") for run in runs for row in run.history)
