"""The results table of several runs (the study's "Overall results"), and whether its columns are comparable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..runs.predictions import record_references
from .run_records import EVALUATION_FIELDS, RunRecord
from .run_significance import Significance, runs_significance

if TYPE_CHECKING:
    from ..registry import Registry
    from ..significance import PairedSettings

COUNT_ROW = "images"
SIGNATURE = "signature:"  # a Mismatch field for one metric's signature (run.json's metric_signatures)

_DIFFERENCE = {
    "ids": "scored images",
    "reference_texts": "references",
    "split": "splits",
    "dialect": "metric dialects",
    "manifest_digest": "split manifests (different data, ratios or seed)",
    "limit": "image limits (--limit)",
    "count": "numbers of scored images",
    "references": "numbers of references per image (scores against more references run higher)",
}


@dataclass(frozen=True)
class Mismatch:
    """Runs that were scored on different terms, with each run's value."""

    field: str
    values: dict[str, Any]
    detail: str = ""  # how they differ, where the values alone do not say ("12 ids only in a, 3 only in b")

    def describe(self) -> str:
        shown = ", ".join(f"{label}={_short(value)}" for label, value in self.values.items())
        what = _DIFFERENCE.get(self.field) or f"settings of {self.field.removeprefix(SIGNATURE)} (its signature)"
        return f"different {what}: {self.detail or shown}"


def _short(value: Any) -> str:
    if isinstance(value, str) and len(value) == 64:  # a sha256 digest: its head is enough to tell apart
        return value[:12]
    return str(value)


@dataclass
class Comparison:
    """Corpus scores with a row per metric and a column per run (``None`` where a run lacks a metric)."""

    labels: list[str]
    metrics: list[str]
    scores: dict[str, dict[str, float | None]]
    counts: dict[str, int | None]
    mismatches: list[Mismatch]
    unevaluated: list[str]
    runs: list[RunRecord] = field(default_factory=list)  # the compared runs, in column order
    significance: Significance | None = None  # intervals and p-values, when asked for

    def rows(self, transpose: bool = False) -> tuple[list[str], list[list[Any]]]:
        """(header, rows): metric rows plus the image count, or one row per run when transposed."""
        if transpose:
            header = ["run", *self.metrics, COUNT_ROW]
            return header, [
                [label, *(self.scores[m][label] for m in self.metrics), self.counts[label]] for label in self.labels
            ]
        header = ["metric", *self.labels]
        rows = [[metric, *(self.scores[metric][label] for label in self.labels)] for metric in self.metrics]
        return header, [*rows, [COUNT_ROW, *(self.counts[label] for label in self.labels)]]

    def best_label(self, metric: str) -> str | None:
        """The one run with the highest score, if one stands out (foodcap's caption metrics are higher-is-better)."""
        values = {label: value for label, value in self.scores[metric].items() if value is not None}
        if len(values) < 2:
            return None
        top = max(values.values())
        leaders = [label for label, value in values.items() if value == top]
        return leaders[0] if len(leaders) == 1 else None

    def notes(self) -> list[tuple[str, str]]:
        """(severity, message): "not comparable" for mismatches, "note" for runs without test metrics."""
        notes = [("not comparable", mismatch.describe()) for mismatch in self.mismatches]
        if self.unevaluated:
            notes.append(
                ("note", "no test metrics (unfinished, pruned or --no-test-eval): " + ", ".join(self.unevaluated))
            )
        if self.significance is not None:
            notes += [("note", note) for note in self.significance.notes]
        return notes


def references_per_image(run: RunRecord) -> float | None:
    """The mean number of references the run's images were scored against (None without predictions)."""
    if not run.predictions:
        return None
    return round(sum(len(record_references(r)) for r in run.predictions) / len(run.predictions), 2)


def scored_references(run: RunRecord) -> dict[str, tuple[str, ...]] | None:
    """Each scored id's references, from predictions.jsonl (None for a run without predictions)."""
    scored = [record for record in run.predictions if "scores" in record]
    return {str(record["id"]): tuple(record_references(record)) for record in scored} or None


def _scored_differences(base: str, scored: dict[str, dict[str, tuple[str, ...]]]) -> list[Mismatch]:
    """Each run against the first: ids scored by one only, then ids scored against other references."""
    ids, texts = [], []
    for label, references in scored.items():
        if label == base:
            continue
        only_base, only_here = (
            len(scored[base].keys() - references.keys()),
            len(references.keys() - scored[base].keys()),
        )
        if only_base or only_here:
            ids.append(f"{only_base} ids only in {base}, {only_here} only in {label}")
        other = sum(scored[base][key] != refs for key, refs in references.items() if key in scored[base])
        if other:
            texts.append(f"{other} ids scored against other references in {label} than in {base}")
    counts = {label: len(references) for label, references in scored.items()}
    return ([Mismatch("ids", counts, "; ".join(ids))] if ids else []) + (
        [Mismatch("reference_texts", counts, "; ".join(texts))] if texts else []
    )


def find_mismatches(runs: Sequence[RunRecord]) -> list[Mismatch]:
    """Runs are comparable when they scored the same ids against the same references with the same metric
    dialect, whatever flags chose them; runs without predictions are judged by what metrics.json records."""
    evaluated = [run for run in runs if run.evaluated]
    scored = {run.label: scored_references(run) for run in evaluated}
    complete = {label: references for label, references in scored.items() if references is not None}
    fields = ("dialect",) if evaluated and len(complete) == len(evaluated) else EVALUATION_FIELDS
    mismatches = []
    for name in fields:
        values = {run.label: run.evaluated_on(name) for run in evaluated}
        if len({repr(value) for value in values.values()}) > 1:
            mismatches.append(Mismatch(name, values))
    if fields != EVALUATION_FIELDS:
        mismatches += _scored_differences(evaluated[0].label, complete)
    references = {run.label: references_per_image(run) for run in evaluated}
    if len({value for value in references.values() if value is not None}) > 1:
        mismatches.append(Mismatch("references", references))
    return mismatches + signature_mismatches(evaluated)


def signature_mismatches(runs: Sequence[RunRecord]) -> list[Mismatch]:
    """A metric computed differently in two runs (other CLIP weights, BERTScore with IDF in one)."""
    signed = {run.label: dict(run.evaluated_on("metric_signatures") or {}) for run in runs}
    mismatches = []
    for metric in sorted({name for signatures in signed.values() for name in signatures}):
        values = {label: signatures.get(metric) for label, signatures in signed.items()}
        if len({value for value in values.values() if value is not None}) > 1:
            mismatches.append(Mismatch(SIGNATURE + metric, values))
    return mismatches


def compare_runs(runs: Sequence[RunRecord]) -> Comparison:
    metrics = list(dict.fromkeys(name for run in runs for name in run.scores))
    return Comparison(
        labels=[run.label for run in runs],
        metrics=metrics,
        scores={metric: {run.label: run.scores.get(metric) for run in runs} for metric in metrics},
        counts={run.label: run.metrics.get("count") for run in runs},
        mismatches=find_mismatches(runs),
        unevaluated=[run.label for run in runs if not run.evaluated],
        runs=list(runs),
    )


def compared(
    runs: Sequence[RunRecord], settings: PairedSettings | None, registry: Registry | None = None
) -> Comparison:
    """The results table of the runs, with intervals and p-values when ``settings`` asks for a paired test."""
    comparison = compare_runs(runs)
    if settings is not None:
        if registry is None:
            from ..registry import get_registry

            registry = get_registry()
        comparison.significance = runs_significance(runs, comparison.metrics, registry, settings)
    return comparison
