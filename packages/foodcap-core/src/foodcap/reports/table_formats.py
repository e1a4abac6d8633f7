"""The comparison as text: a rich table for the terminal, CSV, Markdown and JSON for files and other tools."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal

from rich.table import Table

from .comparison import COUNT_ROW, Comparison

TableFormat = Literal["table", "csv", "markdown", "json"]
MISSING = "—"


def _cell(value: Any) -> str:
    if value is None:
        return MISSING
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def rich_table(comparison: Comparison, transpose: bool = False) -> Table:
    header, rows = comparison.rows(transpose)
    table = Table(title="Overall results")
    for index, name in enumerate(header):
        table.add_column(name, justify="left" if index == 0 else "right")
    last_metric = comparison.metrics[-1] if comparison.metrics else None
    for row in rows:
        table.add_row(*(_styled(comparison, header, row, index) for index in range(len(row))),
                      end_section=not transpose and row[0] == last_metric)
    return table


def rich_notes(comparison: Comparison) -> list[str]:
    """Mismatches in red and other notes in yellow, one line each, printed below the table."""
    return [f"[{'bold red' if severity == 'not comparable' else 'yellow'}]{severity}:[/] {message}"
            for severity, message in comparison.notes()]


def _styled(comparison: Comparison, header: list[str], row: list[Any], index: int) -> str:
    """Bold the best score of a metric, so the table reads at a glance."""
    text = _cell(row[index])
    if index == 0 or row[index] is None:
        return text
    metric, label = (header[index], row[0]) if header[0] == "run" else (row[0], header[index])
    if metric != COUNT_ROW and comparison.best_label(metric) == label:
        return f"[bold]{text}[/]"
    return text


def as_csv(comparison: Comparison, transpose: bool = False) -> str:
    """Full-precision values; an empty cell where a run lacks a metric."""
    header, rows = comparison.rows(transpose)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if value is None else repr(value) if isinstance(value, float) else value
                       for value in row] for row in rows])
    return buffer.getvalue()


def as_markdown(comparison: Comparison, transpose: bool = False) -> str:
    header, rows = comparison.rows(transpose)

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    lines = [line(header), "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |"]
    lines += [line([_cell(value) for value in row]) for row in rows]
    lines += [f"\n> **{severity.capitalize()}:** {message}" for severity, message in comparison.notes()]
    return "\n".join(lines) + "\n"


def as_json(comparison: Comparison) -> str:
    """Every run with what it was scored on, plus the mismatches; the same whichever way the table faces."""
    document = {
        "metrics": comparison.metrics,
        "runs": [{
            "label": run.label,
            "path": str(run.path),
            "kind": run.kind,
            "captioner": run.captioner,
            **{name: run.metrics.get(name) for name in ("split", "dialect", "manifest_digest", "dataset", "limit",
                                                        "count")},
            "scores": run.scores,
        } for run in comparison.runs],
        "mismatches": [{"field": m.field, "values": m.values, "message": m.describe()}
                       for m in comparison.mismatches],
        "unevaluated": comparison.unevaluated,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
