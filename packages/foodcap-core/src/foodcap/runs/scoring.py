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
from typing import Any, TypeVar

from ..config import DEFAULT_METRICS
from ..metric import Dialect, Metric, MetricAccumulator, MetricOptions
from ..registry import Registry
from .folder import RunFolder, iter_jsonl, json_line, write_lines_atomically
from .merge import Merged
from .predictions import record_references

logger = logging.getLogger("foodcap")

CHUNK = 10_000  # records per chunk handed to the metrics
T = TypeVar("T")


@dataclass
class Scores:
    corpus: dict[str, float]
    per_sample: Mapping[str, list[float]]
    seconds: dict[str, float]
    failures: dict[str, str] = field(default_factory=dict)  # metric -> why it raised; the others still count


def chosen_metric_names(registry: Registry, names: Sequence[str] | None) -> list[str]:
    """The names asked for, or the installed part of the default set."""
    return list(names) if names is not None else [name for name in DEFAULT_METRICS if name in registry.metrics]


def resolve_metrics(registry: Registry, names: Sequence[str] | None, dialect: Dialect) -> list[Metric]:
    """Named metrics (unknown names are user errors), or the installed part of the default set."""
    chosen = chosen_metric_names(registry, names)
    if not chosen and names is None:
        logger.warning("no metric plugins are installed, so nothing is scored: pip install foodcap-metrics")
    options = MetricOptions(dialect=dialect)
    return [registry.metric(name).obj(options) for name in chosen]


def _failed(scores: Scores, name: str, error: Exception) -> None:
    scores.failures[name] = f"{type(error).__name__}: {error}"
    logger.warning("metric %s failed (%s); the other scores are kept", name, scores.failures[name])


def score(metrics: Sequence[Metric], predictions: list[str], references: list[list[str]]) -> Scores:
    """Score a corpus held in memory (``foodcap.score``, the trainer's val captions)."""
    scores = Scores({}, {}, {})
    per_sample: dict[str, list[float]] = {}
    if not predictions:
        return scores
    for metric in metrics:
        started = time.perf_counter()
        try:
            result = metric.compute(predictions, references)
        except Exception as error:  # noqa: BLE001 - one failing metric must not lose the others' scores
            _failed(scores, metric.name, error)
            continue
        scores.seconds[metric.name] = time.perf_counter() - started
        scores.corpus[metric.name] = result.score
        per_sample[metric.name] = list(result.per_sample)
    scores.per_sample = per_sample
    return scores


# -- a run folder, as a stream ---------------------------------------------------------------------------
def chunks(items: Iterator[T], size: int = CHUNK) -> Iterator[list[T]]:
    while chunk := list(islice(items, size)):
        yield chunk


class _Scorer:
    """One metric's accumulator, timed, with its per-sample scores waiting to be written."""

    def __init__(self, metric: Metric, scores: Scores) -> None:
        self.name = metric.name
        self.scores = scores
        self.ready: deque[float] = deque()
        self.seconds = 0.0
        self.accumulator: MetricAccumulator | None = self._attempt(metric.accumulator)

    def _attempt(self, step: Callable[[], T | None]) -> T | None:
        started = time.perf_counter()
        try:
            return step()
        except Exception as error:  # noqa: BLE001 - one failing metric must not lose the others' scores
            _failed(self.scores, self.name, error)
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


def _rotated_references(merged: Merged, shift: int) -> Iterator[list[str]]:
    """The references of record ``i + shift`` (wrapping) for each record ``i``: the shuffled-image control."""
    yield from (record_references(record) for record in islice(merged.records(), shift, None))
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


def score_folder(folder: RunFolder, merged: Merged, metrics: list[Metric]) -> FolderScores:
    """Score the merged records, write predictions.jsonl (each with its per-sample scores, then the records
    of other ids, unscored), and run the shuffled-image control. Chunk by chunk: memory stays flat."""
    scores = Scores({}, {}, {})
    main = [_Scorer(metric, scores) for metric in metrics] if merged.count else []
    control_scores = Scores({}, {}, {})
    shift = merged.count // 2  # a fixed rotation: deterministic, and no caption keeps its own title
    control = [_Scorer(metric, control_scores) for metric in metrics] if merged.count >= 2 else []
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
