"""``foodcap merge``: finish a run whose shards were captioned by separate jobs."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from .run_command import scores_table


@click.command("merge")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--metrics", help="Comma-separated metric names (default: those the run was started with).")
@click.option(
    "--metric-option",
    "metric_option_pairs",
    multiple=True,
    metavar="METRIC.KEY=VALUE",
    help="A metric's own option, laid over those the run recorded (repeatable).",
)
def merge_command(folder: Path, metrics: str | None, metric_option_pairs: tuple[str, ...]) -> None:
    """Merge the parts of a sharded run into predictions.jsonl and score it once.

    \b
    Every `foodcap run --shard I/N --out FOLDER` job appends to its own part of FOLDER; once all N
    are done, this merges them in split order and writes metrics.json and run.json. Missing or
    unfinished shards are named, and nothing is scored until they are there.

    \b
    A finished run is scored again, e.g. by a VLM judge once the captioner's GPU is free:
      foodcap merge runs/gemma --metrics bleu-1,judge --metric-option judge.model=qwen2.5-vl-7b
    """
    from .. import api  # scoring imports the metric libraries: only when a merge starts
    from .config_options import parse_option_pairs

    names = [name.strip() for name in metrics.split(",") if name.strip()] if metrics is not None else None
    options = parse_option_pairs(metric_option_pairs, "--metric-option")
    result = api.merge(folder, metrics=names, metric_options=options)
    console = Console()
    console.print(scores_table(f"merged run {folder}", result.scores, result.count, result.metric_failures))
    console.print(f"run folder: {result.folder}")
