"""``foodcap doctor``: the pre-flight checks of this machine, as a table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from ..preflight import Check


@click.command("doctor")
def doctor_command() -> None:
    """Check this machine: Python, torch, CUDA and dtypes, plugins, WordNet, Java, optional extras.

    \b
    Examples:
      foodcap doctor

    The same checks `foodcap run`, `train` and `sweep` make before loading any model; a missing
    piece is shown with the command that installs it. Optional extras (wandb, optuna, matplotlib),
    Java and metric resources only some runs need are marked "not installed (optional)". Exits with
    1 only when something a default run needs is missing.
    """
    from .. import api

    checks = api.check()  # imports torch: only when the command runs
    table = Table(title="foodcap doctor")
    for column in ("check", "status", "detail"):
        table.add_column(column)
    for check in checks:
        table.add_row(escape(check.name), _status(check), escape(check.detail))
    console = Console()
    console.print(table)
    missing = sum(not check.ok and not check.optional for check in checks)
    optional = sum(not check.ok and check.optional for check in checks)
    if optional:
        console.print(
            f"{optional} optional piece(s) not installed: only the commands and flags named beside them need them"
        )
    if missing:
        console.print(f"{missing} problem(s): a default `foodcap run` stops before loading a model")
        raise SystemExit(1)


def _status(check: Check) -> str:
    if check.ok:
        return "[green]ok[/]"
    return "[yellow]not installed (optional)[/]" if check.optional else "[bold red]missing[/]"
