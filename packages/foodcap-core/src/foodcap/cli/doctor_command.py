"""``foodcap doctor``: the pre-flight checks of this machine, as a table."""

from __future__ import annotations

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table


@click.command("doctor")
def doctor_command() -> None:
    """Check this machine: Python, torch, CUDA and dtypes, plugins, WordNet, Java, optional extras.

    \b
    Examples:
      foodcap doctor

    The same checks `foodcap run`, `train` and `sweep` make before loading any model; a missing
    piece is shown with the command that installs it. Exits with 1 when something is missing.
    """
    from .. import api

    checks = api.check()  # imports torch: only when the command runs
    table = Table(title="foodcap doctor")
    for column in ("check", "status", "detail"):
        table.add_column(column)
    for check in checks:
        status = "[green]ok[/]" if check.ok else "[bold red]missing[/]"
        table.add_row(escape(check.name), status, escape(check.detail))
    console = Console()
    console.print(table)
    missing = sum(not check.ok for check in checks)
    if missing:
        console.print(f"{missing} problem(s): runs that need them stop before loading a model")
        raise SystemExit(1)
