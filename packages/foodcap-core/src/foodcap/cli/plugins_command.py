"""``foodcap plugins``: what the installed plugins registered."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from ..registry import get_registry


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def plugins_command(as_json: bool) -> None:
    """List every registered captioner, metric, freeze policy and dataset kind, and which package provides it."""
    rows = [
        {
            "name": entry.name,
            "kind": entry.kind,
            "distribution": entry.source.distribution,
            "version": entry.source.version,
            "description": entry.description,
        }
        for entry in get_registry().entries()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="foodcap plugins")
    for column in ("kind", "name", "distribution", "version", "description"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["kind"], row["name"], row["distribution"], row["version"], row["description"])
    Console().print(table)
