"""Choosing metrics from the registry and scoring a run's predictions with them (and a run folder's)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from ..config import DEFAULT_METRICS, RunConfig
from ..dataset import Sample
from ..errors import FoodcapError
from ..metric import Dialect, Metric, MetricOptions
from ..registry import Registry
from .folder import RunFolder
from .merge import Merged, merge_records
from .predictions import record_references

logger = logging.getLogger("foodcap")
C = TypeVar("C", bound=RunConfig)


@dataclass
class Scores:
    corpus: dict[str, float]
    per_sample: dict[str, list[float]]
    seconds: dict[str, float]
    failures: dict[str, str] = field(default_factory=dict)  # metric -> why it raised; the others still count


def default_metric_names(registry: Registry, announce: bool = False) -> list[str]:
    """The installed part of the default set, less any metric whose resources are missing (WordNet for
    METEOR); ``announce`` says in one line each what was left out and how to add it."""
    installed = [name for name in DEFAULT_METRICS if name in registry.metrics]
    if not installed:
        others = f"name installed ones with --metrics ({', '.join(registry.metrics)}), " if registry.metrics else ""
        raise FoodcapError(f"none of the default metrics ({', '.join(DEFAULT_METRICS)}) is installed, so nothing "
                           f"could be scored: pip install foodcap-metrics, {others}or pass --metrics none to "
                           "caption without scoring")
    usable = []
    for name in installed:
        missing = registry.metric(name).obj.missing_resources()
        if missing and announce:
            logger.warning("%s left out of the default metrics: %s", name, "; ".join(missing))
        if not missing:
            usable.append(name)
    return usable


def chosen_metric_names(registry: Registry, names: Sequence[str] | None) -> list[str]:
    """The names asked for (none for ``--metrics none``), or the usable part of the default set."""
    return list(names) if names is not None else default_metric_names(registry)


def settle_metrics(config: C, registry: Registry) -> C:
    """``config`` with its metrics named: the default set is chosen (and what it leaves out announced)
    once, before anything else, so later steps and the run record see the same list."""
    if config.evaluation.metrics is not None:
        return config
    names = default_metric_names(registry, announce=True)
    return config.model_copy(update={"evaluation": config.evaluation.model_copy(update={"metrics": names})})


def resolve_metrics(registry: Registry, names: Sequence[str] | None, dialect: Dialect) -> list[Metric]:
    """Named metrics (unknown names are user errors), or the usable part of the default set."""
    chosen = chosen_metric_names(registry, names) if names is not None else default_metric_names(registry, True)
    options = MetricOptions(dialect=dialect)
    return [registry.metric(name).obj(options) for name in chosen]


def score(metrics: Sequence[Metric], predictions: list[str], references: list[list[str]]) -> Scores:
    scores = Scores({}, {}, {})
    if not predictions:
        return scores
    for metric in metrics:
        started = time.perf_counter()
        try:
            result = metric.compute(predictions, references)
        except Exception as error:  # noqa: BLE001 - one failing metric must not lose the others' scores
            scores.failures[metric.name] = f"{type(error).__name__}: {error}"
            logger.warning("metric %s failed (%s); the other scores are kept", metric.name, scores.failures[metric.name])
            continue
        scores.seconds[metric.name] = time.perf_counter() - started
        scores.corpus[metric.name] = result.score
        scores.per_sample[metric.name] = list(result.per_sample)
    return scores


def shuffled_control(
    metrics: Sequence[Metric], predictions: list[str], references: list[list[str]], scores: Scores
) -> dict[str, dict[str, float]]:
    """A grounding check: each metric on the real pairs beside captions paired with other images' titles.

    A captioner that uses the image scores clearly lower on the shuffled pairs; one that writes the
    same kind of title whatever it sees (the study's Llama failure) scores about the same.
    """
    if len(predictions) < 2 or not scores.corpus:
        return {}
    shift = len(references) // 2  # a fixed rotation: deterministic, and no caption keeps its own title
    control = score(metrics, predictions, references[shift:] + references[:shift])
    return {name: {"matched": scores.corpus[name], "shuffled": control.corpus[name]}
            for name in scores.corpus if name in control.corpus}


@dataclass
class FolderScores:
    scores: Scores
    count: int
    grounding: dict[str, dict[str, float]]
    failures: dict[str, str] = field(default_factory=dict)
    captioned_twice: int = 0


def score_folder(folder: RunFolder, samples: list[Sample], metrics: list[Metric],
                 merged: Merged | None = None) -> FolderScores:
    """Merge what is on disk in split order (unless ``merged`` already did), store per-sample scores with
    each prediction, and run the shuffled-image control. Records of other ids stay, unscored."""
    merged = merged or merge_records(folder.path, samples)
    records = merged.records
    predictions, references = [r["caption"] for r in records], [record_references(r) for r in records]
    scores = score(metrics, predictions, references)
    for index, record in enumerate(records):
        record["scores"] = {name: values[index] for name, values in scores.per_sample.items()}
    folder.rewrite_predictions(records + merged.others)
    return FolderScores(scores, len(records), shuffled_control(metrics, predictions, references, scores),
                        merged.failures, merged.captioned_twice)
