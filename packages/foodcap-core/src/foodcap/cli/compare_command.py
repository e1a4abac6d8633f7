"""``foodcap compare``: the results table of several runs, in the terminal or as CSV, Markdown or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from .. import api
from ..reports.table_formats import TableFormat, as_csv, as_json, as_markdown, rich_notes, rich_table
from .paired_options import paired_arguments, paired_options


@paired_options(default=None)
@click.command("compare")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "table_format",
    type=click.Choice(["table", "csv", "markdown", "json"]),
    default="table",
    show_default=True,
    help="table prints to the terminal; the others are for files and tools.",
)
@click.option("--transpose", is_flag=True, help="A row per run and a column per metric (default: the reverse).")
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 2 when the runs did not score the same images against the same references with the same metric dialect.",
)
def compare_command(
    run_dirs: tuple[Path, ...], table_format: TableFormat, transpose: bool, strict: bool, **paired: Any
) -> None:
    """Compare run folders: a row per metric and a column per run.

    \b
    Examples:
      foodcap compare runs/zero-shot runs/fine-tuned
      foodcap compare runs/baseline runs/fine-tuned runs/llama --paired-bs
      foodcap compare runs/* --format markdown > results.md
      foodcap compare runs/sweep/best runs/baseline --transpose --format csv

    Runs are comparable when they scored the same images against the same references with the
    same metric dialect, whatever flags chose them; otherwise the difference is flagged (on stderr
    for csv; inside the output otherwise) and --strict makes it an error. A folder that holds runs
    (the demo's, `runs/`) stands for every run in it; anything that holds none is skipped with a warning.

    --paired-bs or --paired-ar add each score's bootstrap mean ± 95% interval and each run's p-value
    against the first run (the baseline), as sacrebleu computes them: docs/significance.md.
    """
    comparison = api.compare(run_dirs, strict=strict, **paired_arguments(paired))
    out, err = Console(), Console(stderr=True)
    if table_format == "table":
        out.print(rich_table(comparison, transpose))
        for note in rich_notes(comparison):
            out.print(note, highlight=False, soft_wrap=True)
        return
    text = {
        "csv": lambda: as_csv(comparison, transpose),
        "markdown": lambda: as_markdown(comparison, transpose),
        "json": lambda: as_json(comparison),
    }[table_format]()
    click.echo(text, nl=False)
    if table_format == "csv":  # the notes would break the CSV, so they go to stderr
        for note in rich_notes(comparison):
            err.print(note, highlight=False, soft_wrap=True)
