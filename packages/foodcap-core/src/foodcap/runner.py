"""`foodcap run`: caption a split in pipelined batches, score it, and write the run folder."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rich.console import Console

from .captioner import Captioner, registered_captioner
from .config import DataConfig, RunConfig
from .dataset import CleaningReport, Sample
from .environment import describe_hardware, package_versions
from .image_batches import CaptionCollate, batch_loader
from .metric import Metric
from .prefetch import DEFAULT_PREFETCH_MB
from .preflight import require, run_checks
from .progress import image_progress
from .registry import Registry
from .resume_check import check_resume, started_with
from .run_folder import METRICS, RUN, SPLIT, RunFolder
from .scoring import Scores, resolve_metrics, score, shuffled_control
from .splits import SplitData, load_split_data


@dataclass
class RunResult:
    folder: Path
    scores: Scores
    count: int
    failures: dict[str, str]


def default_run_folder(captioner: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{captioner}-{stamp}"


@dataclass
class CaptionLog:
    """What happened to images while captioning: decode failures by id and repairs by reason."""

    failures: dict[str, str] = field(default_factory=dict)
    repairs: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    captioned: int = 0


def caption_batches(
    captioner: Captioner, samples: list[Sample], batch_size: int, num_workers: int, console: Console, log: CaptionLog,
    prefetch_bytes: int = DEFAULT_PREFETCH_MB * 2**20,
) -> Iterator[tuple[list[Sample], list[str]]]:
    """Caption ``samples`` in pipelined batches with a progress bar, yielding (samples, captions)."""
    loader = batch_loader(samples, CaptionCollate(captioner.preprocessor()), batch_size, num_workers,
                          prefetch_bytes=prefetch_bytes)
    started = time.perf_counter()
    with image_progress(console) as progress:
        task = progress.add_task(f"captioning ({captioner.name})", total=len(samples))
        for batch in loader:
            for sample, reason in batch.failures:
                log.failures[sample.id] = reason
            for repair in batch.repairs:
                log.repairs[repair] = log.repairs.get(repair, 0) + 1
            if batch.samples:
                yield batch.samples, captioner.generate(batch.inputs)
                log.captioned += len(batch.samples)
            progress.advance(task, len(batch.samples) + len(batch.failures))
    log.seconds = time.perf_counter() - started


def pending(folder: RunFolder, samples: list[Sample]) -> list[Sample]:
    """The samples that ``folder`` holds no prediction for yet (all of them in a new run)."""
    done = {record["id"] for record in folder.finished()}
    return [sample for sample in samples if sample.id not in done]


def caption_into(folder: RunFolder, captioner: Captioner, samples: list[Sample], data: DataConfig,
                 console: Console, log: CaptionLog) -> None:
    """Caption ``samples``, appending each finished batch to the folder's predictions."""
    for batch_samples, captions in caption_batches(captioner, samples, data.batch_size, data.num_workers,
                                                   console, log, data.prefetch_mb * 2**20):
        folder.append_predictions(
            {"id": s.id, "image": str(s.image), "reference": s.title, "caption": c}
            for s, c in zip(batch_samples, captions)
        )


@dataclass
class FolderScores:
    scores: Scores
    count: int
    grounding: dict[str, dict[str, float]]


def score_folder(folder: RunFolder, samples: list[Sample], metrics: list[Metric]) -> FolderScores:
    """Score what is on disk, in split order, store per-sample scores with each prediction, and
    run the shuffled-image control."""
    done = {record["id"]: record for record in folder.finished()}
    records = [done.pop(sample.id) for sample in samples if sample.id in done]
    predictions, references = [r["caption"] for r in records], [[r["reference"]] for r in records]
    scores = score(metrics, predictions, references)
    for index, record in enumerate(records):
        record["scores"] = {name: values[index] for name, values in scores.per_sample.items()}
    folder.rewrite_predictions(records + list(done.values()))  # never drop a record the folder held
    return FolderScores(scores, len(records), shuffled_control(metrics, predictions, references, scores))


def record_evaluation(folder: RunFolder, config: RunConfig, data: SplitData, split: str,
                      scores: Scores, count: int) -> dict[str, Any]:
    """Write split.json and metrics.json; returns what was evaluated, for run.json."""
    data.manifest.save(folder.path / SPLIT)
    evaluated_on = {
        "split": split,
        "manifest_digest": data.manifest.digest(),
        "dataset": config.data.dataset,
        "limit": config.data.limit,
        "dialect": config.evaluation.metric_dialect,
    }
    folder.write(METRICS, {"captioner": config.captioner, **evaluated_on, "count": count, "scores": scores.corpus,
                           **({"failures": scores.failures} if scores.failures else {})})
    return evaluated_on


def dataset_record(data: SplitData, log: CaptionLog) -> dict[str, Any]:
    """The cleaning report with this run's decode-time decisions folded in, plus split sizes."""
    report = CleaningReport.from_dict(data.dataset.report.to_dict())
    for reason in log.failures.values():
        report.add_skip(reason)
    for reason, count in log.repairs.items():
        report.add_repair(reason, count)
    return {
        "cleaning_report": report.to_dict(),
        "decode_failures": log.failures,
        "split_sizes": data.manifest.sizes(),
    }


def run(config: RunConfig, registry: Registry, console: Console, flags: dict[str, str] | None = None) -> RunResult:
    require(run_checks(config, registry, flags))  # WordNet, Java, dataset, --out...: fail before the long part
    entry = registry.captioner(config.captioner)
    options = registry.captioner_options(config.captioner, config.options, flags)
    metrics = resolve_metrics(registry, config.evaluation.metrics, config.evaluation.metric_dialect)
    data = load_split_data(config.data)
    samples = data.samples(config.data.split, config.data.limit)
    folder = RunFolder(config.out or default_run_folder(config.captioner), resume=config.resume)
    check_resume(folder.path, started_with(config, options, data.manifest.digest(), config.data.split), config.resume)
    console.print(data.dataset.report.render())

    todo = pending(folder, samples)
    previous = len(samples) - len(todo)
    console.print(f"{len(samples)} images in split {config.data.split!r}"
                  + (f", {previous} already captioned" if previous else ""))
    log = CaptionLog()
    timings: dict[str, float] = {}
    captioner: Captioner | None = None
    if todo:
        started = time.perf_counter()
        captioner = entry.obj.load(options)
        timings["load_seconds"] = time.perf_counter() - started
        caption_into(folder, captioner, todo, config.data, console, log)
        timings["caption_seconds"] = log.seconds
        timings["images_per_second"] = log.captioned / log.seconds if log.seconds else 0.0

    started = time.perf_counter()
    scored = score_folder(folder, samples, metrics)
    scores, count = scored.scores, scored.count
    timings["metrics_seconds"] = time.perf_counter() - started
    evaluated_on = record_evaluation(folder, config, data, config.data.split, scores, count)
    folder.write(RUN, {
        "kind": "run",
        "config": config.model_dump(mode="json"),
        "captioner": registered_captioner(config.captioner, entry.obj, captioner),
        "evaluated_on": evaluated_on,
        "versions": package_versions(),
        "hardware": describe_hardware(captioner.device) if captioner else {},
        "timings": {**timings, "metric_seconds": scores.seconds},
        "grounding": scored.grounding,
        **dataset_record(data, log),
    })
    return RunResult(folder.path, scores, count, log.failures)
