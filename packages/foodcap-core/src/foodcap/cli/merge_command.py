"""``foodcap merge``: finish a run whose shards were captioned by separate jobs."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from .run_command import scores_table


@click.command("merge")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--metrics", help="Comma-separated metric names (default: those the run was started with).")
def merge_command(folder: Path, metrics: str | None) -> None:
    """Merge the parts of a sharded run into predictions.jsonl and score it once.

    \b
    Every `foodcap run --shard I/N --out FOLDER` job appends to its own part of FOLDER; once all N
    are done, this merges them in split order and writes metrics.json and run.json. Missing or
    unfinished shards are named, and nothing is scored until they are there.
    """
    from .. import api  # scoring imports the metric libraries: only when a merge starts

    names = [name.strip() for name in metrics.split(",") if name.strip()] if metrics is not None else None
    result = api.merge(folder, metrics=names)
    console = Console()
    console.print(scores_table(f"merged run {folder}", result.scores, result.count, result.metric_failures))
    console.print(f"run folder: {result.folder}")
