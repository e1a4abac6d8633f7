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

    def describe(self) -> str:
        shown = ", ".join(f"{label}={_short(value)}" for label, value in self.values.items())
        what = _DIFFERENCE.get(self.field) or f"settings of {self.field.removeprefix(SIGNATURE)} (its signature)"
        return f"different {what}: {shown}"


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
            return header, [[label, *(self.scores[m][label] for m in self.metrics), self.counts[label]]
                            for label in self.labels]
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
            notes.append(("note", "no test metrics (unfinished, pruned or --no-test-eval): "
                          + ", ".join(self.unevaluated)))
        if self.significance is not None:
            notes += [("note", note) for note in self.significance.notes]
        return notes


def references_per_image(run: RunRecord) -> float | None:
    """The mean number of references the run's images were scored against (None without predictions)."""
    if not run.predictions:
        return None
    return round(sum(len(record_references(r)) for r in run.predictions) / len(run.predictions), 2)


def find_mismatches(runs: Sequence[RunRecord]) -> list[Mismatch]:
    evaluated = [run for run in runs if run.evaluated]
    mismatches = []
    for name in EVALUATION_FIELDS:
        values = {run.label: run.evaluated_on(name) for run in evaluated}
        if len({repr(value) for value in values.values()}) > 1:
            mismatches.append(Mismatch(name, values))
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
