"""``foodcap run``: evaluate a captioner on a dataset split."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..cli_flags import flag_names
from ..config import RunConfig
from ..registry import get_registry
from ..runner import run
from ..scoring import Scores
from .config_options import build_config, config_flags, configurable

RUN_FLAGS = config_flags(RunConfig)


def scores_table(title: str, scores: Scores, count: int) -> Table:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("score", justify="right")
    for name, value in scores.corpus.items():
        table.add_row(name, f"{value:.4f}")
    for name, reason in scores.failures.items():
        table.add_row(name, f"[red]failed: {escape(reason)}[/]")
    table.caption = f"{count} images"
    return table


@configurable(RUN_FLAGS)
@click.command("run")
def run_command(**kwargs: Any) -> None:
    """Caption a dataset split with a captioner and score it.

    \b
    Examples:
      foodcap run --captioner vit-gpt2 --random-weights tiny --dataset sample
      foodcap run --captioner vit-gpt2 --dataset ~/data/food --split test --batch-size 64
      foodcap run --captioner llama-lora-1b --checkpoint runs/llama-train --metrics bleu-1,meteor

    Writes predictions.jsonl, metrics.json, run.json and split.json into --out.
    """
    console = Console()
    config = build_config(RunConfig, RUN_FLAGS, kwargs)
    result = run(config, get_registry(), console, flag_names(RUN_FLAGS))
    if result.failures:
        console.print(f"[yellow]{len(result.failures)} image(s) could not be decoded; see run.json[/]")
    console.print(scores_table(f"{config.captioner} on {config.data.split}", result.scores, result.count))
    console.print(f"run folder: {result.folder}")
