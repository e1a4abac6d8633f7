"""``foodcap sweep``: hyperparameter search with optuna; every trial is a normal training folder."""

from __future__ import annotations

from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ..sweeps import SweepConfig
from .config_options import build_config, config_flags, configurable
from .flags import flag_names

SWEEP_FLAGS = config_flags(SweepConfig, skip=frozenset({"split", "device", "shard", "device_map", "max_memory"}))


def trials_table(rows: list[dict[str, Any]], best: int | None) -> Table:
    names = list(dict.fromkeys(name for row in rows for name in row["params"]))
    cells = [
        [
            f"{row['number']:03d}",
            row["state"],
            str(row["epochs"]),
            f"{row['val_loss']:.4f}" if row["val_loss"] is not None else "—",
            *(
                f"{row['params'][name]:.3g}"
                if isinstance(row["params"].get(name), float)
                else str(row["params"].get(name, ""))
                for name in names
            ),
        ]
        for row in rows
    ]
    table = Table(
        title="Sweep trials (objective: lowest val loss)", box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True
    )
    for index, column in enumerate(("trial", "state", "epochs", "val loss", *names)):
        # Headers may wrap ("weight decay" on two lines) but values never shrink: numbers stay whole.
        widest = max([len(word) for word in column.replace("_", " ").split()] + [len(row[index]) for row in cells])
        table.add_column(
            column.replace("_", " "), justify="left" if column in ("state", "freeze") else "right", min_width=widest
        )
    for row, values in zip(rows, cells):
        table.add_row(*values, style="bold green" if row["number"] == best else None)
    return table


@configurable(SWEEP_FLAGS)
@click.command("sweep")
def sweep_command(**kwargs: Any) -> None:
    """Search learning rate, weight decay, warmup, batch size and freeze policy with optuna.

    \b
    Examples:
      foodcap sweep --captioner vit-gpt2 --dataset ~/data/food --trials 20 --epochs 5 --out runs/sweep
      foodcap sweep --captioner vit-gpt2 --random-weights tiny --trials 3 --epochs 2 --out runs/tiny-sweep
      foodcap sweep --config sweep.toml --out runs/sweep --resume      (continue after an interruption)

    The space is set with --search, --lr-range, --batch-sizes, ... or a [sweep] table in --config.
    Trials stop early when their val loss is worse than the median trial's (--no-pruning to keep
    all). Writes DIR/study.db (the optuna study), DIR/trials/NNN (training folders), DIR/best (the
    best trial, for `foodcap compare` and `foodcap report`) and DIR/sweep.json.
    Needs optuna: pip install 'foodcap-core[sweep]'.
    """
    from .. import api  # the trainer imports torch: only when sweeping

    console = Console()
    config = build_config(SweepConfig, SWEEP_FLAGS, kwargs)
    result = api._sweep_config(config, console, flags=flag_names(SWEEP_FLAGS))
    console.print(trials_table(result.trials, result.best_trial))
    if result.best_trial is not None:
        console.print(f"best trial: {result.best_trial:03d}; its folder: {result.folder / 'best'}")
