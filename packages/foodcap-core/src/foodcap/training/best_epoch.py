"""Which epoch is best so far, by --best-metric, and how many epochs since it improved (for --patience)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..metric import Metric


def is_better(metric: str, value: float, best: float | None, metrics: Iterable[Metric]) -> bool:
    if best is None:
        return True
    higher = metric != "val_loss" and next(m for m in metrics if m.name == metric).higher_is_better
    return value > best if higher else value < best


def judge_epoch(
    row: dict[str, Any], best: dict[str, Any], metric: str, metrics: Iterable[Metric]
) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """The row with its ``best_epoch``, the updated best record, and whether this epoch improved on it.

    An epoch without the metric (val metrics are scored every --eval-every epochs) changes nothing.
    """
    value = row["val_loss"] if metric == "val_loss" else row.get("val_metrics", {}).get(metric)
    improved = value is not None and is_better(metric, value, best["value"], metrics)
    if improved:
        best = {"value": value, "epoch": row["epoch"], "stale": 0}
    elif value is not None:
        best = {**best, "stale": best["stale"] + 1}
    return {**row, "best_epoch": best["epoch"]}, best, improved
