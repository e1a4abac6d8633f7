"""Intervals and p-values for run folders: pair the runs on their image ids, gather each metric's per-sample
statistics, and test every run against the first (the baseline) with ``foodcap.significance``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..metric import Metric, MetricOptions, mean_statistics
from ..runs.predictions import record_references
from .run_records import RunRecord

if TYPE_CHECKING:
    from ..registry import Registry
    from ..significance import Estimate, PairedSettings, Statistics

_SAME_SCORE = 1e-9  # relative: a recorded score and the score its statistics give agree to this
SIGNIFICANT = 0.05  # p below it: the difference is called real


@dataclass
class Significance:
    """Per metric, each run's estimate (runs in order, the baseline first); notes say what has none and why."""

    settings: PairedSettings
    baseline: str
    labels: list[str]
    estimates: dict[str, dict[str, Estimate]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def estimate(self, metric: str, label: str) -> Estimate | None:
        return self.estimates.get(metric, {}).get(label)

    def legend(self) -> str:
        """What the numbers in brackets and the p-values are, in one line."""
        if not self.estimates:
            return ""
        test = (
            "paired bootstrap"
            if self.settings.test == "bs"
            else f"approximate randomization, {self.settings.randomization_trials} trials"
        )
        intervals = (
            f"score (bootstrap mean ± half-width of its 95% interval; {self.settings.bootstrap_samples} "
            f"resamples, seed {self.settings.seed})"
        )
        return intervals + (f"; p: {test} against {self.baseline}; * p < 0.05" if len(self.labels) > 1 else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "test": self.settings.test,
            "bootstrap_samples": self.settings.bootstrap_samples,
            "randomization_trials": self.settings.randomization_trials if self.settings.test == "ar" else None,
            "seed": self.settings.seed,
            "baseline": self.baseline,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class PairedCorpus:
    """The runs' captions on the same images in the baseline's order, and those images' references."""

    captions: dict[str, list[str]]
    references: list[list[str]]
    records: dict[str, list[dict[str, Any]]]


def paired_corpus(runs: Sequence[RunRecord]) -> PairedCorpus | str:
    """The runs paired on their image ids, or why they cannot be (a note)."""
    captioned = {run.label: [r for r in run.predictions if "caption" in r] for run in runs}
    missing = [label for label, records in captioned.items() if not records]
    if missing:
        return f"no intervals: {', '.join(missing)} has no captioned predictions (predictions.jsonl)"
    baseline = captioned[runs[0].label]
    order = [record["id"] for record in baseline]
    references = [record_references(record) for record in baseline]
    by_run: dict[str, list[dict[str, Any]]] = {}
    for label, records in captioned.items():
        by_id = {record["id"]: record for record in records}
        if set(by_id) != set(order) or len(by_id) != len(records):
            return (
                f"no paired tests: {label} captioned other images than {runs[0].label} "
                f"({len(by_id)} vs {len(order)} ids); pair runs of the same split and limit"
            )
        if any(record_references(by_id[i]) != refs for i, refs in zip(order, references)):
            return f"no paired tests: {label} was scored against other references than {runs[0].label}"
        by_run[label] = [by_id[i] for i in order]
    return PairedCorpus(
        {label: [str(r["caption"]) for r in records] for label, records in by_run.items()}, references, by_run
    )


def metric_statistics(metric: Metric, corpus: PairedCorpus, label: str) -> Statistics:
    """The metric's statistics for one run: its own, or (for a mean) the per-sample scores the run stored."""
    captions = corpus.captions[label]
    statistics = metric.statistics(captions, corpus.references)
    if statistics is not None:
        return statistics
    stored = [record.get("scores", {}).get(metric.name) for record in corpus.records[label]]
    if all(isinstance(value, (int, float)) for value in stored):
        return mean_statistics([float(value) for value in stored])  # type: ignore[arg-type]
    return mean_statistics(metric.compute(captions, corpus.references).per_sample)


def _disagreement(metric: Metric, runs: Sequence[RunRecord], systems: Sequence[Statistics]) -> str | None:
    """Why the statistics cannot stand for the recorded scores, if they cannot."""
    from ..significance import corpus_totals

    for run, statistics in zip(runs, systems):
        recorded = run.scores.get(metric.name)
        recomputed = metric.score_from_statistics(corpus_totals(statistics))
        if recorded is not None and abs(recomputed - recorded) > _SAME_SCORE * max(1.0, abs(recorded)):
            return (
                f"{metric.name} has no interval: {run.label}'s recorded score {recorded:.6g} is not what its "
                f"statistics give ({recomputed:.6g}); a metric that is not the mean of its per-sample scores "
                "needs Metric.statistics (docs/significance.md)"
            )
    return None


def _metric(registry: Registry, name: str, dialect: str) -> Metric | str:
    if name not in registry.metrics:
        return f"{name} has no interval: the metric is not installed here"
    return registry.metric(name).obj(MetricOptions.model_validate({"dialect": dialect}))


def runs_significance(
    runs: Sequence[RunRecord], metrics: Sequence[str], registry: Registry, settings: PairedSettings
) -> Significance:
    """Every metric's estimates for every run, tested against the first run on the same random draws."""
    from ..significance import Draws, MetricSystems, paired_tests

    result = Significance(settings, runs[0].label, [run.label for run in runs])
    dialects = {str(run.metrics.get("dialect", "coco")) for run in runs}
    corpus = paired_corpus(runs)
    if isinstance(corpus, str) or len(dialects) > 1:
        result.notes.append(
            corpus if isinstance(corpus, str) else "no paired tests: the runs were scored in different metric dialects"
        )
        return result
    dialect = dialects.pop()
    tested: dict[str, MetricSystems] = {}
    for name in metrics:
        unscored = [run.label for run in runs if name not in run.scores]
        metric = (
            f"{name} has no interval: not scored in {', '.join(unscored)}"
            if unscored
            else _metric(registry, name, dialect)
        )
        if isinstance(metric, str):
            result.notes.append(metric)
            continue
        try:
            systems = [metric_statistics(metric, corpus, run.label) for run in runs]
        except Exception as error:  # noqa: BLE001 - one metric failing leaves the others' intervals
            result.notes.append(f"{name} has no interval: {type(error).__name__}: {error}")
            continue
        problem = _disagreement(metric, runs, systems)
        if problem:
            result.notes.append(problem)
            continue
        tested[name] = MetricSystems(systems, metric.score_from_statistics)
    estimates = paired_tests(list(tested.values()), Draws.make(len(corpus.references), settings))
    for name, by_run in zip(tested, estimates):
        result.estimates[name] = {run.label: estimate for run, estimate in zip(runs, by_run)}
    return result


def verdicts(significance: Significance) -> list[str]:
    """One line per run after the baseline: on which metrics its difference from the baseline is real."""
    lines = []
    for label in significance.labels[1:]:
        real, noise = [], []
        for metric, by_label in significance.estimates.items():
            estimate, baseline = by_label.get(label), by_label.get(significance.baseline)
            if estimate is None or baseline is None or estimate.p_value is None:
                continue
            difference = estimate.score - baseline.score
            if difference != 0 and estimate.p_value < SIGNIFICANT:
                real.append(f"{metric} ({difference:+.4f}, p = {estimate.p_value:.4f})")
            else:
                noise.append(f"{metric} (p = {estimate.p_value:.4f})" if difference else f"{metric} (same score)")
        if not real and not noise:
            continue
        said = [f"a real difference on {', '.join(real)}"] if real else []
        said += [f"within noise on {', '.join(noise)}"] if noise else []
        lines.append(f"{label} vs {significance.baseline}: " + "; ".join(said) + ".")
    return lines
