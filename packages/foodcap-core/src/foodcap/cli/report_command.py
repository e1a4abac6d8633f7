"""``foodcap report``: a static HTML page of several runs (results, curves, gallery), viewable offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from .. import api
from .paired_options import paired_arguments, paired_options


@paired_options(default="bs")
@click.command("report")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Report folder: index.html, plots/ and the copied images/.",
)
@click.option(
    "--gallery-size",
    type=click.IntRange(min=0),
    default=8,
    show_default=True,
    help="Test images shown with every run's caption (the same images for all runs).",
)
@click.option(
    "--examples",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Best and worst captions shown per run.",
)
@click.option(
    "--metric", default=None, help="Per-sample metric shown and ranked by (default: the first every run has)."
)
def report_command(
    run_dirs: tuple[Path, ...], out: Path, gallery_size: int, examples: int, metric: str | None, **paired: Any
) -> None:
    """Write an HTML report of run folders: results table, curves, dataset, gallery, best and worst.

    \b
    Examples:
      foodcap report runs/zero-shot runs/fine-tuned --out reports/week1
      foodcap report runs/sweep/best runs/baseline --out reports/sweep --metric bleu-1 --gallery-size 12

    A folder that holds runs (the demo's, `runs/`) stands for every run in it. Images are copied
    into the folder, so it can be zipped and opened anywhere without a network.
    The results table shows each score's 95% bootstrap interval and, per run after the first, whether
    its difference from the first is real (paired bootstrap; docs/significance.md).
    Needs matplotlib: pip install 'foodcap-core[report]'.
    """
    page = api.report(
        run_dirs, out, gallery_size=gallery_size, examples=examples, metric=metric, **paired_arguments(paired)
    )
    Console().print(f"report: {page}")
