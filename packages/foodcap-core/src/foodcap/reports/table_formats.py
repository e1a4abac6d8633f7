"""The comparison as text: a rich table for the terminal, CSV, Markdown and JSON for files and other tools."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal

from rich.markup import escape
from rich.table import Table

from .comparison import COUNT_ROW, Comparison
from .run_significance import SIGNIFICANT, verdicts

TableFormat = Literal["table", "csv", "markdown", "json"]
MISSING = "—"
ESTIMATE_PARTS = ("mean", "ci95", "p")


def _cell(value: Any) -> str:
    if value is None:
        return MISSING
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _metric_and_label(header: list[str], row: list[Any], index: int) -> tuple[str, str]:
    return (header[index], row[0]) if header[0] == "run" else (row[0], header[index])


def score_text(comparison: Comparison, metric: str, label: str, value: Any) -> str:
    """A score, with its bootstrap mean ± interval and its p-value against the baseline when tested."""
    text = _cell(value)
    estimate = comparison.significance.estimate(metric, label) if comparison.significance else None
    if estimate is None:
        return text
    text += f" ({estimate.mean:.4f} ± {estimate.ci:.4f})"
    if estimate.p_value is not None:
        text += f" p = {estimate.p_value:.4f}" + ("*" if estimate.p_value < SIGNIFICANT else "")
    return text


def legend(comparison: Comparison) -> list[str]:
    """What the bracketed numbers mean, then whether each run's difference from the baseline is real."""
    significance = comparison.significance
    if significance is None or not significance.estimates:
        return []
    return [significance.legend(), *verdicts(significance)]


def rich_table(comparison: Comparison, transpose: bool = False) -> Table:
    header, rows = comparison.rows(transpose)
    table = Table(title="Overall results")
    for index, name in enumerate(header):
        table.add_column(name, justify="left" if index == 0 else "right")
    last_metric = comparison.metrics[-1] if comparison.metrics else None
    for row in rows:
        table.add_row(
            *(_styled(comparison, header, row, index) for index in range(len(row))),
            end_section=not transpose and row[0] == last_metric,
        )
    return table


def rich_notes(comparison: Comparison) -> list[str]:
    """The intervals' legend, then mismatches in red and other notes in yellow, one line each, below the table."""
    return [escape(text) for text in legend(comparison)] + [
        f"[{'bold red' if severity == 'not comparable' else 'yellow'}]{severity}:[/] {message}"
        for severity, message in comparison.notes()
    ]


def _styled(comparison: Comparison, header: list[str], row: list[Any], index: int) -> str:
    """Bold the best score of a metric, so the table reads at a glance."""
    if index == 0 or row[index] is None:
        return _cell(row[index])
    metric, label = _metric_and_label(header, row, index)
    text = score_text(comparison, metric, label, row[index])
    if metric != COUNT_ROW and comparison.best_label(metric) == label:
        return f"[bold]{text}[/]"
    return text


def _with_estimates(
    comparison: Comparison, header: list[str], rows: list[list[Any]], transpose: bool
) -> tuple[list[str], list[list[Any]]]:
    """Each tested metric followed by its "mean", "ci95" and "p" rows (columns when transposed)."""
    significance = comparison.significance
    if significance is None or not significance.estimates:
        return header, rows

    def extra(metric: str, label: str) -> list[float | None]:
        estimate = significance.estimate(metric, label)
        return [None, None, None] if estimate is None else [estimate.mean, estimate.ci, estimate.p_value]

    names = [f"{{}} {part}" for part in ESTIMATE_PARTS]
    if transpose:
        wide_header = [header[0]]
        for name in header[1:]:
            wide_header += [name, *(n.format(name) for n in names)] if name in significance.estimates else [name]
        wide_rows = []
        for row in rows:
            wide = [row[0]]
            for name, value in zip(header[1:], row[1:]):
                wide += [value, *extra(name, row[0])] if name in significance.estimates else [value]
            wide_rows.append(wide)
        return wide_header, wide_rows
    long_rows = []
    for row in rows:
        long_rows.append(row)
        if row[0] in significance.estimates:
            parts = [extra(row[0], label) for label in header[1:]]
            long_rows += [[n.format(row[0]), *(part[i] for part in parts)] for i, n in enumerate(names)]
    return header, long_rows


def as_csv(comparison: Comparison, transpose: bool = False) -> str:
    """Full-precision values; an empty cell where a run lacks a metric (or a baseline a p-value)."""
    header, rows = _with_estimates(comparison, *comparison.rows(transpose), transpose)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(
        [["" if value is None else repr(value) if isinstance(value, float) else value for value in row] for row in rows]
    )
    return buffer.getvalue()


def as_markdown(comparison: Comparison, transpose: bool = False) -> str:
    header, rows = comparison.rows(transpose)

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    lines = [line(header), "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |"]
    lines += [
        line(
            [
                _cell(row[0]),
                *(
                    score_text(comparison, *_metric_and_label(header, row, index), row[index])
                    for index in range(1, len(row))
                ),
            ]
        )
        for row in rows
    ]
    lines += [f"\n{text}" for text in legend(comparison)]
    lines += [f"\n> **{severity.capitalize()}:** {message}" for severity, message in comparison.notes()]
    return "\n".join(lines) + "\n"


def as_json(comparison: Comparison) -> str:
    """Every run with what it was scored on, plus the mismatches; the same whichever way the table faces."""
    document = {
        "metrics": comparison.metrics,
        "runs": [
            {
                "label": run.label,
                "path": str(run.path),
                "kind": run.kind,
                "captioner": run.captioner,
                **{
                    name: run.metrics.get(name)
                    for name in ("split", "dialect", "manifest_digest", "dataset", "limit", "count")
                },
                "scores": run.scores,
                **({"estimates": _estimates_json(comparison, run.label)} if comparison.significance else {}),
            }
            for run in comparison.runs
        ],
        "mismatches": [{"field": m.field, "values": m.values, "message": m.describe()} for m in comparison.mismatches],
        "unevaluated": comparison.unevaluated,
        **({"significance": comparison.significance.to_json()} if comparison.significance else {}),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _estimates_json(comparison: Comparison, label: str) -> dict[str, dict[str, float | None]]:
    assert comparison.significance is not None
    return {
        metric: {"mean": estimate.mean, "ci95": estimate.ci, "p_value": estimate.p_value}
        for metric, by_label in comparison.significance.estimates.items()
        if (estimate := by_label.get(label)) is not None
    }
