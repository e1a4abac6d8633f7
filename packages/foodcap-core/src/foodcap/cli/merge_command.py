"""``foodcap merge``: finish a run whose shards were captioned by separate jobs."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from ..config import RunConfig, validate
from ..errors import FoodcapError
from ..launch import Launch
from ..registry import get_registry
from ..run_folder import RunFolder
from ..run_merge import recorded_config, unfinished_shards
from ..run_parts import FolderLock
from ..runner import finish_run
from ..scoring import resolve_metrics
from ..splits import load_split_data
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
    console = Console()
    if not folder.is_dir():
        raise FoodcapError(f"{folder} is not a run folder")
    config = validate(RunConfig, {**recorded_config(folder), "out": str(folder), "resume": True, "shard": None})
    if metrics is not None:
        config.evaluation.metrics = [name.strip() for name in metrics.split(",") if name.strip()]
    unfinished = unfinished_shards(folder)
    if unfinished:
        count = unfinished[0].count
        raise FoodcapError(f"cannot merge {folder}: shard(s) {', '.join(map(str, unfinished))} of {count} have "
                           "not finished; run them (foodcap run --shard I/N with the same options) or "
                           f"caption what is left in one process with `foodcap run --resume --out {folder}`")
    registry = get_registry()
    scorers = resolve_metrics(registry, config.evaluation.metrics, config.evaluation.metric_dialect)
    data = load_split_data(config.data)
    samples = data.samples(config.data.split, config.data.limit)
    lock = FolderLock(folder, shared=False)
    try:
        result = finish_run(RunFolder(folder, resume=True), config, data, samples, scorers, {}, Launch())
    finally:
        lock.release()
    console.print(scores_table(f"{config.captioner} on {config.data.split}", result.scores, result.count))
    console.print(f"run folder: {result.folder}")
