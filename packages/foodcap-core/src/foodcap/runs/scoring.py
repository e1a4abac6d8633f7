"""Choosing metrics from the registry and scoring a run's predictions with them (and a run folder's)."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..config import DEFAULT_METRICS, DataConfig, RunConfig, validate
from ..dataset import Sample
from ..errors import FoodcapError
from ..metric import Dialect, Metric, MetricOptions
from ..registry import Registry
from .folder import RunFolder
from .merge import Merged, merge_records
from .predictions import record_references

if TYPE_CHECKING:
    from .image_scoring import ImageScores

logger = logging.getLogger("foodcap")
C = TypeVar("C", bound=RunConfig)


@dataclass
class Scores:
    corpus: dict[str, float]
    per_sample: dict[str, list[float]]
    seconds: dict[str, float]
    failures: dict[str, str] = field(default_factory=dict)  # metric -> why it raised; the others still count
    signatures: dict[str, str] = field(default_factory=dict)  # metric -> what exactly it computed (run.json)
    image_metrics: list[str] = field(default_factory=list)  # the metrics that looked at the images


def default_metric_names(registry: Registry, announce: bool = False) -> list[str]:
    """The installed part of the default set, less any metric whose resources are missing (WordNet for
    METEOR); ``announce`` says in one line each what was left out and how to add it."""
    installed = [name for name in DEFAULT_METRICS if name in registry.metrics]
    if not installed:
        others = f"name installed ones with --metrics ({', '.join(registry.metrics)}), " if registry.metrics else ""
        raise FoodcapError(
            f"none of the default metrics ({', '.join(DEFAULT_METRICS)}) is installed, so nothing "
            f"could be scored: pip install foodcap-metrics, {others}or pass --metrics none to "
            "caption without scoring"
        )
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


def resolve_metrics(
    registry: Registry,
    names: Sequence[str] | None,
    dialect: Dialect,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Metric]:
    """Named metrics (unknown names are user errors), or the usable part of the default set, each
    with its own ``options`` (from --metric-option) beside the dialect."""
    chosen = chosen_metric_names(registry, names) if names is not None else default_metric_names(registry, True)
    return [registry.metric(name).obj(metric_options(registry, name, dialect, options)) for name in chosen]


def metric_options(
    registry: Registry, name: str, dialect: Dialect, options: Mapping[str, Mapping[str, Any]] | None
) -> MetricOptions:
    """Metric ``name``'s options model filled from ``options[name]``; a bad value is one FoodcapError line."""
    unknown = sorted(set(options or {}) - set(registry.metrics))
    if unknown:
        raise FoodcapError(
            f"--metric-option names {unknown[0]!r}, which is no installed metric (see `foodcap plugins`)"
        )
    metric = registry.metric(name).obj
    given = dict((options or {}).get(name, {}))
    return validate(metric.Options, {"dialect": dialect, **given}, {}, f"--metric-option {name}.")  # type: ignore[no-any-return]


def score(
    metrics: Sequence[Metric],
    predictions: list[str],
    references: list[list[str]],
    images: Sequence[Path] | None = None,
    data: DataConfig | None = None,
) -> Scores:
    """Every metric on the corpus; image metrics also get ``images`` (one file per caption), decoded
    once with ``data``'s batch size and workers. A metric that raises is recorded, not fatal."""
    scores = Scores({}, {}, {})
    if not predictions:
        return scores
    looked = _image_scores([m for m in metrics if m.needs_images], predictions, references, images, data)
    for metric in metrics:
        if (signature := metric.signature()) is not None:
            scores.signatures[metric.name] = signature
        if metric.needs_images:
            scores.image_metrics.append(metric.name)
            _keep(scores, metric.name, looked)
            continue
        started = time.perf_counter()
        try:
            result = metric.compute(predictions, references)
        except Exception as error:  # noqa: BLE001 - one failing metric must not lose the others' scores
            _failed(scores, metric.name, f"{type(error).__name__}: {error}")
            continue
        scores.seconds[metric.name] = time.perf_counter() - started
        scores.corpus[metric.name] = result.score
        scores.per_sample[metric.name] = list(result.per_sample)
    return scores


def _image_scores(
    metrics: list[Metric],
    predictions: list[str],
    references: list[list[str]],
    images: Sequence[Path] | None,
    data: DataConfig | None,
) -> ImageScores:
    from ..image_metric import ImageMetric
    from .image_scoring import ImageScores, score_images  # torch: only when an image metric is chosen

    if not metrics or images is None:
        return ImageScores(
            failures={m.name: "it scores captions against their images, and none were given" for m in metrics}
        )
    return score_images(
        [m for m in metrics if isinstance(m, ImageMetric)], predictions, references, images, data or DataConfig()
    )


def _keep(scores: Scores, name: str, looked: ImageScores) -> None:
    """Copy metric ``name``'s outcome from the image metrics' scores (in the order metrics were chosen)."""
    if name in looked.results:
        scores.corpus[name] = looked.results[name].score
        scores.per_sample[name] = list(looked.results[name].per_sample)
        scores.seconds[name] = looked.seconds[name]
        return
    _failed(scores, name, looked.failures.get(name, "needs_images is set, but it is no foodcap.ImageMetric"))


def _failed(scores: Scores, name: str, reason: str) -> None:
    scores.failures[name] = reason
    logger.warning("metric %s failed (%s); the other scores are kept", name, reason)


def shuffled_control(
    metrics: Sequence[Metric],
    predictions: list[str],
    references: list[list[str]],
    scores: Scores,
    images: Sequence[Path] | None = None,
    data: DataConfig | None = None,
) -> dict[str, dict[str, float]]:
    """A grounding check: each metric on the real pairs beside captions paired with other images' titles
    (and, for image metrics, with those other images).

    A captioner that uses the image scores clearly lower on the shuffled pairs; one that writes the
    same kind of title whatever it sees (the study's Llama failure) scores about the same.
    """
    if len(predictions) < 2 or not scores.corpus:
        return {}
    shift = len(references) // 2  # a fixed rotation: deterministic, and no caption keeps its own title
    rotated_images = list(images[shift:]) + list(images[:shift]) if images is not None else None  # and image
    control = score(metrics, predictions, references[shift:] + references[:shift], rotated_images, data)
    return {
        name: {"matched": scores.corpus[name], "shuffled": control.corpus[name]}
        for name in scores.corpus
        if name in control.corpus
    }


@dataclass
class FolderScores:
    scores: Scores
    count: int
    grounding: dict[str, dict[str, float]]
    failures: dict[str, str] = field(default_factory=dict)
    captioned_twice: int = 0


def score_folder(
    folder: RunFolder,
    samples: list[Sample],
    metrics: list[Metric],
    merged: Merged | None = None,
    data: DataConfig | None = None,
) -> FolderScores:
    """Merge what is on disk in split order (unless ``merged`` already did), store per-sample scores with
    each prediction, and run the shuffled-image control. Records of other ids stay, unscored.
    Image metrics get the records' images, decoded with ``data``'s batch size and workers."""
    merged = merged or merge_records(folder.path, samples)
    records = merged.records
    predictions, references = [r["caption"] for r in records], [record_references(r) for r in records]
    where = {sample.id: sample.image for sample in samples}  # the dataset as found now (a moved folder too)
    images = [where[r["id"]] for r in records]
    scores = score(metrics, predictions, references, images, data)
    for index, record in enumerate(records):
        record["scores"] = {name: values[index] for name, values in scores.per_sample.items()}
    folder.rewrite_predictions(records + merged.others)
    return FolderScores(
        scores,
        len(records),
        shuffled_control(metrics, predictions, references, scores, images, data),
        merged.failures,
        merged.captioned_twice,
    )
