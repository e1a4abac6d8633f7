"""``foodcap run``: evaluate a captioner on a dataset split."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..config import RunConfig
from .config_options import build_config, config_flags, configurable
from .flags import flag_names

if TYPE_CHECKING:
    from ..reports.run_significance import Significance

RUN_FLAGS = config_flags(RunConfig)


def scores_table(
    title: str,
    scores: dict[str, float],
    count: int,
    failed: dict[str, str] | None = None,
    significance: Significance | None = None,
) -> Table:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("score", justify="right")
    if significance is not None:
        table.add_column("mean ± 95% CI", justify="right")
    for name, value in scores.items():
        estimate = significance.estimate(name, significance.baseline) if significance else None
        interval = [f"{estimate.mean:.4f} ± {estimate.ci:.4f}" if estimate else "—"] if significance else []
        table.add_row(name, f"{value:.4f}", *interval)
    for name, reason in (failed or {}).items():
        table.add_row(name, f"[red]failed: {escape(reason)}[/]")
    table.caption = f"{count} images" + (
        f"; 95% bootstrap intervals of {significance.settings.bootstrap_samples} "
        f"resamples, seed {significance.settings.seed}"
        if significance
        else ""
    )
    return table


@configurable(RUN_FLAGS)
@click.option(
    "--ci",
    is_flag=True,
    help="Add each score's bootstrap mean ± 95% interval (1000 resamples, seed 12345) to the table.",
)
@click.command("run")
def run_command(ci: bool, **kwargs: Any) -> None:
    """Caption a dataset split with a captioner and score it.

    \b
    Examples:
      foodcap run --captioner vit-gpt2 --random-weights tiny --dataset sample
      foodcap run --captioner vit-gpt2 --dataset ~/data/food --split test --batch-size 64
      foodcap run --checkpoint runs/llama-train/best --metrics bleu-1,meteor   (its captioner: llama-lora-1b)
      foodcap run --captioner vit-gpt2 --random-weights tiny --metrics none   (caption, no scoring)
      foodcap run --captioner gemma-3-4b --metrics bleu-1,judge --metric-option judge.model=qwen2.5-vl-7b
      foodcap run --captioner vit-gpt2 --dataset coco:annotations/captions_val2014.json --image-root val2014
      foodcap run --captioner vit-gpt2 --dataset menu-photos/ --caption-column dish   (imagefolder)

    --dataset takes any installed dataset kind (kaggle-food, imagefolder, coco, hf, plugins'),
    detected from the path or named with --dataset-kind or KIND:PATH (`foodcap plugins` lists them).

    \b
    Several GPUs or machines (each rank captions its share; rank 0 merges and scores):
      torchrun --nproc_per_node 8 -m foodcap run --captioner vit-gpt2 --dataset ~/data/food
    A job array without torch.distributed (then `foodcap merge FOLDER`):
      foodcap run --captioner vit-gpt2 --dataset ~/data/food --shard $SLURM_ARRAY_TASK_ID/8 --out runs/x
    One model over every visible GPU:
      foodcap run --captioner gemma-3-27b --device-map auto --max-memory 0=40GiB,1=40GiB

    Writes predictions.jsonl, metrics.json, run.json and split.json into --out.
    """
    from .. import api  # the runner imports torch: only when a run starts

    console = Console()  # the runner prints on rank 0 only, and other ranks return unmerged results
    config = build_config(RunConfig, RUN_FLAGS, kwargs)
    result = api._run_config(config, console, flags=flag_names(RUN_FLAGS))
    if not result.merged:
        return
    if result.failures:
        console.print(f"[yellow]{len(result.failures)} image(s) could not be decoded; see run.json[/]")
    if result.scores or result.metric_failures:
        significance = api.compare([result.folder], paired="bs").significance if ci else None
        console.print(
            scores_table(
                f"{config.captioner} on {config.data.split}",
                result.scores,
                result.count,
                result.metric_failures,
                significance,
            )
        )
        for note in significance.notes if significance else []:
            console.print(f"[yellow]note:[/] {escape(note)}")
    else:
        console.print(f"{result.count} images captioned, not scored (--metrics none)")
    console.print(f"run folder: {result.folder}")
