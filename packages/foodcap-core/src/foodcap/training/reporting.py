"""How training reports itself in the terminal."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def counts_table(captioner: str, policy: str, counts: dict[str, dict[str, int]]) -> Table:
    table = Table(title=f"{captioner}: parameters under freeze policy {policy!r}")
    for column in ("component", "trainable", "frozen"):
        table.add_column(column, justify="left" if column == "component" else "right")
    for name, row in counts.items():
        table.add_row(name, f"{row['trainable']:,}", f"{row['frozen']:,}", style="bold" if name == "total" else None)
    return table


def epoch_line(row: dict[str, Any], epochs: int) -> str:
    metrics = " ".join(f"{k} {v:.4f}" for k, v in row.get("val_metrics", {}).items())
    return (
        f"epoch {row['epoch']}/{epochs}: train loss {row['train_loss']:.4f}, val loss {row['val_loss']:.4f}"
        + (f", {metrics}" if metrics else "")
        + f", {row['train_images_per_second']:.1f} img/s"
    )
