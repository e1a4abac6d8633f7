"""Choosing metrics from the registry and scoring a run's predictions with them (and a run folder's).

A run folder is scored as a stream: the merged records are read in chunks, each metric's accumulator
(``Metric.accumulator``) takes a first pass over the references and a second over the captions, and each
record is written to predictions.jsonl with its per-sample scores as soon as every metric has given them.
Memory stays flat however many images the run has (a metric without an accumulator of its own holds
its corpus, as it always did).
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..config import DEFAULT_METRICS, DataConfig, RunConfig, validate
from ..dataset.recipe_dataset import ImageSource
from ..errors import FoodcapError
from ..metric import Dialect, Metric, MetricAccumulator, MetricOptions, MetricScore
from ..registry import Registry
from .folder import RunFolder, iter_jsonl, json_line, write_lines_atomically
from .merge import Merged
from .predictions import record_references

if TYPE_CHECKING:
    from .image_scoring import ImageScores

logger = logging.getLogger("foodcap")
CHUNK = 10_000  # records per chunk handed to the metrics
C = TypeVar("C", bound=RunConfig)
T = TypeVar("T")


@dataclass
class Scores:
    corpus: dict[str, float]
    per_sample: Mapping[str, list[float]]  # a folder's are read from predictions.jsonl when asked for
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
    images: Sequence[ImageSource] | None = None,
    data: DataConfig | None = None,
) -> Scores:
    """Every metric on the corpus; image metrics also get ``images`` (one file per caption), decoded
    once with ``data``'s batch size and workers. A metric that raises is recorded, not fatal."""
    per_sample: dict[str, list[float]] = {}
    scores = Scores({}, per_sample, {})
    if not predictions:
        return scores
    _describe(scores, metrics)
    looked = _image_scores([m for m in metrics if m.needs_images], predictions, references, images, data)
    for metric in metrics:
        if metric.needs_images:
            _keep(scores, per_sample, metric.name, looked)
            continue
        started = time.perf_counter()
        try:
            result = metric.compute(predictions, references)
        except Exception as error:  # noqa: BLE001 - one failing metric must not lose the others' scores
            _failed(scores, metric.name, f"{type(error).__name__}: {error}")
            continue
        scores.seconds[metric.name] = time.perf_counter() - started
        scores.corpus[metric.name] = result.score
        per_sample[metric.name] = list(result.per_sample)
    return scores


def _image_scores(
    metrics: list[Metric],
    predictions: list[str],
    references: list[list[str]],
    images: Sequence[ImageSource] | None,
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


def _keep(scores: Scores, per_sample: dict[str, list[float]], name: str, looked: ImageScores) -> None:
    """Copy metric ``name``'s outcome from the image metrics' scores (in the order metrics were chosen)."""
    if name in looked.results:
        scores.corpus[name] = looked.results[name].score
        per_sample[name] = list(looked.results[name].per_sample)
        scores.seconds[name] = looked.seconds[name]
        return
    _failed(scores, name, _image_failure(looked, name))


def _image_failure(looked: ImageScores, name: str) -> str:
    return looked.failures.get(name, "needs_images is set, but it is no foodcap.ImageMetric")


def _describe(scores: Scores, metrics: Sequence[Metric]) -> None:
    """What each metric records of itself: its signature, and whether it looked at the images."""
    for metric in metrics:
        if (signature := metric.signature()) is not None:
            scores.signatures[metric.name] = signature
        if metric.needs_images:
            scores.image_metrics.append(metric.name)


def _failed(scores: Scores, name: str, reason: str) -> None:
    scores.failures[name] = reason
    logger.warning("metric %s failed (%s); the other scores are kept", name, reason)


def shuffled_control(
    metrics: Sequence[Metric],
    predictions: list[str],
    references: list[list[str]],
    scores: Scores,
    images: Sequence[ImageSource] | None = None,
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


# -- a run folder, as a stream ---------------------------------------------------------------------------
def chunks(items: Iterator[T], size: int = CHUNK) -> Iterator[list[T]]:
    while chunk := list(islice(items, size)):
        yield chunk


class _Scorer:
    """One metric's accumulator, timed, with its per-sample scores waiting to be written. An image
    metric's scores were computed before the stream (``looked``) and are handed out chunk by chunk."""

    def __init__(self, metric: Metric, scores: Scores, looked: ImageScores | None = None) -> None:
        self.name = metric.name
        self.scores = scores
        self.ready: deque[float] = deque()
        self.seconds = 0.0
        self.accumulator: MetricAccumulator | None = None
        if looked is None or not metric.needs_images:
            self.accumulator = self._attempt(metric.accumulator)
        elif metric.name in looked.results:
            self.accumulator = _Computed(looked.results[metric.name])
            self.seconds = looked.seconds[metric.name]
        else:
            _failed(scores, metric.name, _image_failure(looked, metric.name))

    def _attempt(self, step: Callable[[], T | None]) -> T | None:
        started = time.perf_counter()
        try:
            return step()
        except Exception as error:  # noqa: BLE001 - one failing metric must not lose the others' scores
            _failed(self.scores, self.name, f"{type(error).__name__}: {error}")
            self.accumulator = None
            return None
        finally:
            self.seconds += time.perf_counter() - started

    def add_references(self, references: list[list[str]]) -> None:
        if self.accumulator is not None:
            accumulator = self.accumulator
            self._attempt(lambda: accumulator.add_references(references))

    def update(self, predictions: list[str], references: list[list[str]]) -> None:
        if self.accumulator is not None:
            accumulator = self.accumulator
            ready: list[float] | None = self._attempt(lambda: accumulator.update(predictions, references))
            self.ready.extend(ready or [])

    def finish(self) -> float | None:
        if self.accumulator is None:
            return None
        result = self._attempt(self.accumulator.result)
        if result is None:
            return None
        self.ready.extend(result.per_sample)
        return result.score


class _Computed(MetricAccumulator):
    """A result computed before the stream, given back in the chunks' order."""

    def __init__(self, computed: MetricScore) -> None:
        self.computed, self.given = computed, 0

    def update(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> list[float]:
        start, self.given = self.given, self.given + len(predictions)
        return list(self.computed.per_sample[start : self.given])

    def result(self) -> MetricScore:
        return MetricScore(self.computed.score, [])


def _rotated_references(merged: Merged, shift: int) -> Iterator[list[str]]:
    """The references of record ``i + shift`` (wrapping) for each record ``i``: the shuffled-image control."""
    yield from (record_references(record) for record in merged.records(skip=shift))
    yield from (record_references(record) for record in islice(merged.records(), shift))


@dataclass
class FolderScores:
    scores: Scores
    count: int
    grounding: dict[str, dict[str, float]]
    failures: dict[str, str] = field(default_factory=dict)
    captioned_twice: int = 0


class PerSampleScores(Mapping[str, list[float]]):
    """Each metric's per-sample scores, read from predictions.jsonl when asked for: a large run never
    holds them all."""

    def __init__(self, path: Path, names: list[str], count: int) -> None:
        self.path, self.names, self.count = path, names, count

    def __getitem__(self, name: str) -> list[float]:
        if name not in self.names:
            raise KeyError(name)
        return [float(record["scores"][name]) for record in islice(iter_jsonl(self.path), self.count)]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def score_folder(
    folder: RunFolder,
    merged: Merged,
    metrics: list[Metric],
    images: Mapping[str, ImageSource] | None = None,
    data: DataConfig | None = None,
) -> FolderScores:
    """Score the merged records, write predictions.jsonl (each with its per-sample scores, then the records
    of other ids, unscored), and run the shuffled-image control. Text metrics go chunk by chunk, so memory
    stays flat; image metrics get each record's file from ``images`` (id -> path, the dataset as found now),
    decoded with ``data``'s batch size and workers."""
    scores = Scores({}, {}, {})
    shift = merged.count // 2  # a fixed rotation: deterministic, and no caption keeps its own title
    looked, looked_control = _folder_image_scores(metrics, merged, images, data, shift)
    main = [_Scorer(metric, scores, looked) for metric in metrics] if merged.count else []
    control_scores = Scores({}, {}, {})
    control = [_Scorer(metric, control_scores, looked_control) for metric in metrics] if merged.count >= 2 else []
    if merged.count:
        _describe(scores, metrics)
    for chunk in chunks(record_references(record) for record in merged.records()):
        for scorer in main + control:
            scorer.add_references(chunk)  # the control's references are the same set, rotated
    written = {scorer.name: 0 for scorer in main}

    def scored_lines() -> Iterator[str]:
        pending: deque[dict[str, Any]] = deque()
        rotated = _rotated_references(merged, shift)
        for chunk in chunks(merged.records()):
            predictions = [record["caption"] for record in chunk]
            references = [record_references(record) for record in chunk]
            for scorer in main:
                scorer.update(predictions, references)
            shuffled = list(islice(rotated, len(chunk)))
            for scorer in control:
                scorer.update(predictions, shuffled)
                scorer.ready.clear()
            pending.extend(chunk)
            yield from _ready_lines(pending, main, written)
        for scorer in main:
            corpus = scorer.finish()
            if corpus is not None:
                scores.corpus[scorer.name] = corpus
                scores.seconds[scorer.name] = scorer.seconds
        yield from _ready_lines(pending, main, written, final=True)
        yield from (json_line(record) for record in merged.others)

    write_lines_atomically(folder.predictions_path, scored_lines())
    if any(written[name] for name in scores.failures if name in written):
        _drop_failed_scores(folder, set(scores.failures))
    grounding = {}
    for scorer in control:
        corpus = scorer.finish()
        if corpus is not None and scorer.name in scores.corpus:
            grounding[scorer.name] = {"matched": scores.corpus[scorer.name], "shuffled": corpus}
    merged.path.unlink(missing_ok=True)
    names = [scorer.name for scorer in main if scorer.name in scores.corpus]
    scores.per_sample = PerSampleScores(folder.predictions_path, names, merged.count)
    return FolderScores(scores, merged.count, grounding, merged.failures, merged.captioned_twice)


def _folder_image_scores(
    metrics: list[Metric], merged: Merged, images: Mapping[str, ImageSource] | None, data: DataConfig | None, shift: int
) -> tuple[ImageScores | None, ImageScores | None]:
    """The image metrics' scores on the merged records, and on the control's rotated pairs (images and
    references rotated together). These hold the corpus' captions: image metrics run a model over every
    image, so they are opt-in and far slower than reading the captions."""
    chosen = [metric for metric in metrics if metric.needs_images]
    if not chosen or not merged.count:
        return None, None
    records = [(record["id"], record["caption"], record_references(record)) for record in merged.records()]
    predictions = [caption for _, caption, _ in records]
    references = [refs for _, _, refs in records]
    paths = None if images is None else [images[sample_id] for sample_id, _, _ in records]
    looked = _image_scores(chosen, predictions, references, paths, data)
    if len(records) < 2:
        return looked, None
    rotated_paths = None if paths is None else paths[shift:] + paths[:shift]
    control = _image_scores(chosen, predictions, references[shift:] + references[:shift], rotated_paths, data)
    return looked, control


def _ready_lines(
    pending: deque[dict[str, Any]], scorers: list[_Scorer], written: dict[str, int], final: bool = False
) -> Iterator[str]:
    """The waiting records every working metric has scored, with their scores (in metric order)."""
    while pending:
        live = [scorer for scorer in scorers if scorer.accumulator is not None]
        if not final and any(not scorer.ready for scorer in live):
            return
        record = pending.popleft()
        record["scores"] = {}
        for scorer in live:
            if scorer.ready:
                record["scores"][scorer.name] = scorer.ready.popleft()
                written[scorer.name] += 1
        yield json_line(record)


def _drop_failed_scores(folder: RunFolder, failed: set[str]) -> None:
    """A metric that failed part-way leaves no per-sample score behind."""

    def lines() -> Iterator[str]:
        for record in iter_jsonl(folder.predictions_path):
            if "scores" in record:
                record["scores"] = {name: value for name, value in record["scores"].items() if name not in failed}
            yield json.dumps(record, ensure_ascii=False) + "\n"

    write_lines_atomically(folder.predictions_path, lines())
