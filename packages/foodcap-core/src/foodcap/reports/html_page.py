"""The report page: one static HTML file that links only to files beside it (no scripts, no network)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from .comparison import COUNT_ROW, Comparison
from .gallery import GalleryItem
from .interval_bars import STYLE as INTERVAL_STYLE
from .interval_bars import interval_cell, significance_notes
from .run_records import RunRecord

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1280px;
       padding: 0 24px 48px; color: #1d1d1f; background: #fafafa; }
h1 { margin: 24px 0 4px; } h2 { margin-top: 36px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
nav a { margin-right: 14px; } .meta { color: #666; margin: 0 0 12px; }
table { border-collapse: collapse; margin: 8px 0; background: #fff; }
th, td { border: 1px solid #d6d6d6; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; } thead th { background: #f0f0f0; }
td.best { font-weight: 700; background: #e8f5e9; } td.path { font-family: monospace; font-size: 12px; }
table.text td, table.text th { text-align: left; }
.warning { background: #fdecea; border-left: 4px solid #d93025; padding: 8px 12px; margin: 6px 0; }
.note { background: #fff8e1; border-left: 4px solid #f9a825; padding: 8px 12px; margin: 6px 0; }
figure.plot { margin: 12px 0; } figure.plot img { max-width: 100%; border: 1px solid #ddd; background: #fff; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 14px; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; margin: 0; }
.card img, .card .missing { width: 100%; height: 170px; object-fit: cover; border-radius: 4px; }
.card .missing { display: flex; align-items: center; justify-content: center; background: #eee; color: #888; }
.card .id { color: #888; font-size: 12px; } .card .truth { margin: 4px 0; }
.card ul { padding-left: 18px; margin: 4px 0; } .run { font-weight: 600; }
.score { color: #555; font-size: 12px; white-space: nowrap; }
.extremes { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
.extremes .cards { grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); }
.extremes .card img, .extremes .card .missing { height: 110px; }
h3 { margin-bottom: 6px; } h4 { margin: 6px 0; color: #444; } .empty { color: #888; font-style: italic; }
"""


@dataclass
class Plot:
    title: str
    path: str
    description: str


@dataclass
class ReportContent:
    """Everything the page shows, already computed; this module only lays it out."""

    runs: list[RunRecord]
    comparison: Comparison
    generated: str
    version: str
    metric: str | None
    plots: list[Plot] = field(default_factory=list)
    gallery: list[GalleryItem] = field(default_factory=list)
    extremes: dict[str, tuple[list[GalleryItem], list[GalleryItem]]] = field(default_factory=dict)


def _number(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.4f}" if isinstance(value, float) else escape(str(value))


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], css: str = "") -> str:
    """A table from already-escaped cells (a cell may carry its own ``<td ...>`` tag)."""
    head = "".join(f"<th>{cell}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(cell if cell.startswith("<td") else f"<td>{cell}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _results(comparison: Comparison) -> str:
    header, rows = comparison.rows()
    cells = []
    significance = comparison.significance
    for row in rows:
        metric = row[0]
        best = comparison.best_label(metric) if metric != COUNT_ROW else None
        shown = [
            _number(value) + (interval_cell(significance, metric, label) if significance else "")
            for label, value in zip(header[1:], row[1:])
        ]
        cells.append(
            [
                escape(metric),
                *(f'<td class="best">{text}</td>' if label == best else text for label, text in zip(header[1:], shown)),
            ]
        )
    notes = "".join(
        f'<div class="{"warning" if severity == "not comparable" else "note"}"><b>{escape(severity)}:</b> '
        f"{escape(message)}</div>"
        for severity, message in comparison.notes()
    )
    marked = any(comparison.best_label(metric) for metric in comparison.metrics)
    legend = '<p class="meta">Bold: the best run for that metric.</p>' if marked else ""
    tested = significance_notes(significance) if significance else ""
    return notes + _table([escape(cell) for cell in header], cells, "results") + legend + tested


def _overview(runs: Sequence[RunRecord]) -> str:
    rows = []
    for run in runs:
        best = run.record.get("best") or {}
        rows.append(
            [
                escape(run.label),
                escape(run.kind),
                escape(run.captioner),
                escape(str(run.record.get("freeze_policy", "—"))),
                _number(run.record.get("epochs_run", len(run.history) or None)),
                _number(best.get("epoch") if isinstance(best, dict) else None),
                escape(f"{run.metrics.get('split')}, {run.metrics.get('count')} images" if run.evaluated else "—"),
                f'<td class="path">{escape(str(run.path))}</td>',
            ]
        )
    return _table(["run", "kind", "captioner", "freeze policy", "epochs", "best epoch", "test", "folder"], rows, "text")


def _dataset_rows(run: RunRecord) -> dict[str, Any]:
    """The cleaning report and split sizes as label -> value, in reading order."""
    cleaning, sizes = run.record.get("cleaning_report") or {}, run.record.get("split_sizes") or {}
    rows: dict[str, Any] = {"rows read": cleaning.get("rows_read"), "kept": cleaning.get("kept")}
    rows.update({f"skipped: {reason}": count for reason, count in cleaning.get("skipped", {}).items()})
    rows.update({f"repaired: {reason}": count for reason, count in cleaning.get("repaired", {}).items()})
    rows["decode failures"] = len(run.record.get("decode_failures") or {})
    rows.update({f"{split} images": count for split, count in sizes.items()})
    return rows


def _dataset(runs: Sequence[RunRecord]) -> str:
    recorded = [run for run in runs if run.record.get("cleaning_report")]
    if not recorded:
        return '<p class="empty">No run recorded its dataset (run.json is missing).</p>'
    per_run = {run.label: _dataset_rows(run) for run in recorded}
    columns = {"all runs": next(iter(per_run.values()))} if len({repr(v) for v in per_run.values()}) == 1 else per_run
    names = list(dict.fromkeys(name for rows in columns.values() for name in rows))
    return _table(
        ["", *map(escape, columns)],
        [[escape(name), *(_number(rows.get(name)) for rows in columns.values())] for name in names],
    )


def _card(item: GalleryItem, metric: str | None) -> str:
    picture = (
        f'<img src="{escape(item.image)}" alt="{escape(item.reference)}">'
        if item.image
        else '<div class="missing">image not available</div>'
    )
    named = len(item.captions) > 1  # a single run's card sits under that run's heading already
    captions = "".join(
        "<li>"
        + (f'<span class="run">{escape(caption.run)}:</span> ' if named else "")
        + (escape(caption.text) or "<i>(empty)</i>")
        + (
            f' <span class="score">{escape(metric or "")} {caption.score:.3f}</span>'
            if caption.score is not None
            else ""
        )
        + "".join(
            f' <span class="score image-score">{escape(name)} {score:.3f}</span>'
            for name, score in caption.image_scores
        )
        + "</li>"
        for caption in item.captions
    )
    return (
        f'<figure class="card">{picture}<figcaption><div class="id">{escape(item.id)}</div>'
        f"{_truth(item.references)}<ul>{captions}</ul>"
        "</figcaption></figure>"
    )


def _truth(references: Sequence[str]) -> str:
    """The ground truth: one line, or every reference in a list when the image has several."""
    if len(references) == 1:
        return f'<div class="truth"><b>Ground truth:</b> {escape(references[0])}</div>'
    listed = "".join(f"<li>{escape(reference)}</li>" for reference in references)
    return f'<div class="truth"><b>Ground truth ({len(references)} references):</b><ol>{listed}</ol></div>'


def _cards(items: Sequence[GalleryItem], metric: str | None, empty: str) -> str:
    if not items:
        return f'<p class="empty">{escape(empty)}</p>'
    return '<div class="cards">' + "".join(_card(item, metric) for item in items) + "</div>"


def _extremes(content: ReportContent) -> str:
    if content.metric is None:
        return '<p class="empty">No per-sample scores to rank by.</p>'
    parts = []
    for label, (best, worst) in content.extremes.items():
        scores = {caption.score for item in best + worst for caption in item.captions}
        tie = (
            f'<p class="note">All of this run\'s captions score {next(iter(scores)):.3f} on '
            f"{escape(content.metric)}, so its best and worst are not told apart.</p>"
            if len(scores) == 1 and len(best + worst) > 1
            else ""
        )
        parts.append(
            f'<h3>{escape(label)}</h3>{tie}<div class="extremes">'
            f"<div><h4>best by {escape(content.metric)}</h4>{_cards(best, content.metric, 'none scored')}</div>"
            f"<div><h4>worst by {escape(content.metric)}</h4>{_cards(worst, content.metric, 'none scored')}"
            "</div></div>"
        )
    return "".join(parts)


def _flat(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _grounding(runs: Sequence[RunRecord]) -> str:
    checked = {run.label: _flat(run.grounding) for run in runs if run.grounding}
    names = list(dict.fromkeys(name for values in checked.values() for name in values))
    return _table(
        ["", *map(escape, checked)],
        [[escape(name), *(_number(values.get(name)) for values in checked.values())] for name in names],
    )


def _plots(plots: Sequence[Plot]) -> str:
    if not plots:
        return '<p class="empty">No training runs among these, so there are no curves.</p>'
    return "".join(
        f'<figure class="plot"><img src="{escape(plot.path)}" alt="{escape(plot.title)}">'
        f"<figcaption>{escape(plot.description)}</figcaption></figure>"
        for plot in plots
    )


def render_page(content: ReportContent) -> str:
    grounded = any(run.grounding for run in content.runs)
    sections = [
        ("results", "Results", _results(content.comparison)),
        ("runs", "Runs", _overview(content.runs)),
        ("curves", "Curves", _plots(content.plots)),
        ("dataset", "Dataset: cleaning and split", _dataset(content.runs)),
        (
            "gallery",
            "Gallery: the same test images for every run",
            _cards(content.gallery, content.metric, "No image was captioned by every run."),
        ),
        ("extremes", "Best and worst examples per run", _extremes(content)),
    ]
    if grounded:
        sections.append(("grounding", "Grounding check", _grounding(content.runs)))
    nav = "".join(f'<a href="#{anchor}">{escape(title.split(":")[0])}</a>' for anchor, title, _ in sections)
    body = "".join(
        f'<section id="{anchor}"><h2>{escape(title)}</h2>{html}</section>' for anchor, title, html in sections
    )
    runs = ", ".join(escape(run.label) for run in content.runs)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>foodcap report: {runs}</title><link rel="icon" href="data:,"><style>{STYLE}{INTERVAL_STYLE}</style></head><body>'
        f'<h1>foodcap report</h1><p class="meta">{len(content.runs)} run(s): {runs}. Generated {escape(content.generated)}'
        f" by foodcap {escape(content.version)}.</p><nav>{nav}</nav>{body}</body></html>\n"
    )
