"""`foodcap run`: caption a split in pipelined batches, on one process or many, merge, score, record.

Every process of a launch (a plain run is a launch of one; torchrun or ``accelerate launch``
start several) captions its own share of what is left and appends it to its own part of the run
folder. No collective call runs while captioning, so a slow rank never trips a timeout; rank 0
waits for the others' parts, merges them in split order into predictions.jsonl, and scores once.
A ``--shard I/N`` job captions one fixed slice and stops; ``foodcap merge`` (or ``--resume``)
finishes the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from ..backend.placement import for_rank
from ..captioner import Captioner
from ..config import DataConfig, RunConfig, deep_merge, validate
from ..dataset import Sample
from ..dataset.selection import choose_dataset_kind
from ..dataset.sharded import ShardedDatasetKind, StreamManifest, StreamSplit
from ..dataset.split_data import SplitData, load_split_data
from ..errors import FoodcapError
from ..launch import Launch, Shard, decided_by_rank0, detect_launch
from ..metric import Metric
from ..preflight import metric_checks, require, run_checks
from ..registry import Registry
from .captioning import CaptionLog, captioned
from .folder import METRICS, PARTS, RunFolder, default_run_folder, discard_unused, fresh_start_note
from .merge import merge_samples, part_reports, recorded_config, unfinished_shards
from .parts import FolderLock, PartsProgress, PartWriter, new_launch_id, part_name, part_status
from .predictions import failure_record, prediction_record
from .progress import image_progress
from .record import write_run_record
from .resume import check_resume, record_start, started_with
from .scoring import Scores, resolve_metrics, score_folder, settle_metrics
from .sharded_run import finish_sharded, run_sharded


@dataclass
class RunResult:
    folder: Path
    scores: Scores
    count: int
    failures: dict[str, str]
    merged: bool = True  # False where this process only captioned (ranks > 0, --shard jobs)


# -- one launch: plan on rank 0, caption on every rank, wait on rank 0 -------------------------------
@dataclass
class LaunchPlan:
    """Rank 0's decision, handed to every rank: where, which launch, and what is left to caption."""

    folder: Path
    launch_id: str
    todo: list[str]  # ids still without a caption in this launch's scope, in split order
    scope: int  # images in scope: the split, or the --shard's slice of it
    created: bool = False  # this launch made the folder (it is removed again if nothing gets captioned)
    note: str | None = None  # said before captioning (a --resume that starts afresh)


def plan_launch(
    config: RunConfig, samples: list[Sample], shard: Shard, started: dict[str, Any], held: list[FolderLock]
) -> LaunchPlan:
    """Open (or continue) the folder, lock it, check it holds this work, and list what is left; rank 0 only."""
    path = config.out or default_run_folder(config.captioner)
    if not shard.whole and (path / METRICS).exists() and not config.resume:
        raise FoodcapError(f"{path} holds a merged run already; pass --resume to add to it")
    joins = not shard.whole and path.exists()  # shard jobs join the folder, and rejoin it when requeued
    created, note = not path.exists(), fresh_start_note(path, config.resume)
    folder = RunFolder(path, resume=config.resume or joins)
    held.append(FolderLock(path, shared=not shard.whole))
    check_resume(path, started, config.resume or joins)
    record_start(path, started, config.resume or joins)
    scope = shard.take(samples)
    done = folder.captioned_ids()
    return LaunchPlan(path, new_launch_id(), [s.id for s in scope if s.id not in done], len(scope), created, note)


@dataclass
class PartResult:
    log: CaptionLog
    captioner: Captioner | None
    load_seconds: float = 0.0


def caption_part(
    part: PartWriter, load: Callable[[], Captioner], samples: list[Sample], data: DataConfig, tick: Callable[[], None]
) -> PartResult:
    """Caption this process's share into its part (loading the model only if there is work)."""
    result = PartResult(CaptionLog(), None)
    if samples:
        started = time.perf_counter()
        result.captioner = load()
        result.load_seconds = time.perf_counter() - started
        for batch, captions in captioned(result.captioner, samples, data, result.log):
            part.append(
                [failure_record(s, reason) for s, reason in batch.failures]
                + [prediction_record(s, c) for s, c in zip(batch.samples, captions)]
            )
            tick()
    log = result.log
    part.status(
        "done",
        **log.totals(),
        load_seconds=result.load_seconds,
        device=str(result.captioner.device) if result.captioner else None,
    )
    return result


def wait_for_ranks(folder: Path, names: list[str], tick: Callable[[], None]) -> None:
    """Rank 0 waits (by polling the parts, no collective) until every rank has reported done."""
    while any(part_status(folder, name).get("status") != "done" for name in names):
        tick()
        time.sleep(0.5)
    tick()


def run(
    config: RunConfig,
    registry: Registry,
    console: Console,
    flags: dict[str, str] | None = None,
    launch: Launch | None = None,
) -> RunResult:
    launch = launch or detect_launch()
    config = settle_metrics(config, registry)
    require(run_checks(config, registry, flags))  # WordNet, Java, dataset, --out...: fail before the long part
    shard = Shard.parse(config.shard) if config.shard else Shard()
    if launch.distributed and not shard.whole:
        raise FoodcapError(
            "--shard is for separate single processes; under torchrun every rank already captions its own share"
        )
    entry = registry.captioner(config.captioner)
    options = for_rank(registry.captioner_options(config.captioner, config.options, flags), launch)
    if options.device_map and not entry.obj.supports_device_map:
        raise FoodcapError(f"captioner {config.captioner!r} cannot be spread over devices (--device-map)")
    metrics = resolve_metrics(
        registry, config.evaluation.metrics, config.evaluation.metric_dialect, config.evaluation.metric_options
    )
    sharded = sharded_kind(config, registry)
    if sharded is not None:  # webdataset, parquet: streamed from the shards, never held
        refuse_image_metrics(metrics, sharded[0])
        folder, scores, count, failures, merged = run_sharded(
            config,
            sharded[0],
            sharded[1],
            entry.obj,
            lambda: entry.obj.load(options),
            metrics,
            launch,
            shard,
            lambda digest: started_with(config, options, digest, config.data.split),
            console,
        )
        return RunResult(folder, scores, count, failures, merged)
    if config.write_sidecars:
        raise FoodcapError(
            "--write-sidecars is for sharded datasets (webdataset, parquet): their records have "
            "input shards to join the captions back to"
        )
    data = load_split_data(config.data, registry)
    samples = data.required_samples(config.data.split, config.data.limit)  # an empty split is an error
    examples = [] if config.data.split in ("train", "all") else data.samples("train")  # few-shot never peeks

    def load() -> Captioner:
        captioner = entry.obj.load(options)
        captioner.use_examples(examples)
        return captioner

    held: list[FolderLock] = []
    started = started_with(config, options, data.manifest.digest(), config.data.split)
    plan: LaunchPlan | None = None
    try:  # a refusal after the lock was taken releases it too
        plan = decided_by_rank0(launch, lambda: plan_launch(config, samples, shard, started, held))
        return _caption_and_finish(config, entry.obj, load, launch, shard, plan, data, samples, metrics, console)
    except BaseException:
        # A folder this one process made (no other rank or shard job writes there) goes if nothing got captioned.
        if plan is not None and plan.created and shard.whole and not launch.distributed:
            discard_unused(plan.folder)
        raise
    finally:
        for lock in held:
            lock.release()


def _caption_and_finish(
    config: RunConfig,
    captioner_class: type[Captioner],
    load: Callable[[], Captioner],
    launch: Launch,
    shard: Shard,
    plan: LaunchPlan,
    data: SplitData,
    samples: list[Sample],
    metrics: list[Metric],
    console: Console,
) -> RunResult:
    names = [part_name(Launch(r, launch.world_size), plan.launch_id, shard) for r in range(launch.world_size)]
    if launch.is_main:
        if plan.note:
            console.print(plan.note)
        console.print(data.dataset.report.render())
        where = f" (shard {shard})" if not shard.whole else ""
        previous = plan.scope - len(plan.todo)
        console.print(
            f"{plan.scope} images in split {config.data.split!r}{where}"
            + (f", {previous} already captioned" if previous else "")
            + (f"; {launch.world_size} processes" if launch.distributed else "")
        )
    by_id = {sample.id: sample for sample in samples}
    mine = [by_id[i] for i in Shard(launch.rank, launch.world_size).take(plan.todo)]
    about = {
        "config": config.model_dump(mode="json"),
        "rank": launch.rank,
        "world_size": launch.world_size,
        "shard": str(shard) if not shard.whole else None,
        "assigned": len(mine),
    }
    started = time.perf_counter()
    with PartWriter(plan.folder, names[launch.rank], about) as part:
        if not launch.is_main:
            part_result = caption_part(part, load, mine, config.data, lambda: None)
            return RunResult(plan.folder, Scores({}, {}, {}), 0, part_result.log.failures, merged=False)
        watched = PartsProgress([plan.folder / PARTS / f"{name}.jsonl" for name in names])
        with image_progress(console) as progress:
            task = progress.add_task(f"captioning ({config.captioner})", total=len(plan.todo))

            def tick() -> None:
                progress.update(task, completed=watched.done())

            part_result = caption_part(part, load, mine, config.data, tick)
            wait_for_ranks(plan.folder, names, tick)
    wall = time.perf_counter() - started
    if not shard.whole:
        console.print(f"shard {shard} finished; once every shard has, `foodcap merge {plan.folder}` scores the run")
        return RunResult(plan.folder, Scores({}, {}, {}), 0, part_result.log.failures, merged=False)
    captioned_now = sum(part_status(plan.folder, name).get("images", 0) for name in names)
    timings = {
        "load_seconds": part_result.load_seconds,
        "caption_seconds": wall,
        "images_per_second": captioned_now / wall if wall else 0.0,
    }
    return finish_run(
        RunFolder(plan.folder, resume=True),
        config,
        data,
        samples,
        metrics,
        timings,
        launch,
        captioner_class,
        part_result.captioner,
    )


# -- merging and scoring (rank 0, ``foodcap merge``) --------------------------------------------------
def finish_run(
    folder: RunFolder,
    config: RunConfig,
    data: SplitData,
    samples: list[Sample],
    metrics: list[Metric],
    timings: dict[str, float],
    launch: Launch,
    captioner_class: type[Captioner],
    captioner: Captioner | None = None,
) -> RunResult:
    """Merge every part, score once, and write metrics.json and run.json."""
    merged = merge_samples(folder.path, samples)
    if merged.missing:
        unfinished = unfinished_shards(folder.path)
        shards = f" (unfinished shards: {', '.join(map(str, unfinished))})" if unfinished else ""
        raise FoodcapError(
            f"{len(merged.missing)} image(s) of the split have no caption yet{shards}; "
            f"finish them with `foodcap run --resume --out {folder.path}`"
        )
    started = time.perf_counter()
    scored = score_folder(folder, merged, metrics, {sample.id: sample.image for sample in samples}, config.data)
    reports = [{key: value for key, value in report.items() if key != "config"} for report in part_reports(folder.path)]
    timings = {**timings, "metrics_seconds": time.perf_counter() - started}
    write_run_record(
        folder, config, data, scored, reports, captioner_class, captioner, timings, world_size=launch.world_size
    )
    return RunResult(folder.path, scored.scores, scored.count, scored.failures)


def sharded_kind(config: RunConfig, registry: Registry) -> tuple[ShardedDatasetKind, str] | None:
    """The dataset's kind and location when the kind reads shards (run streams those), else None."""
    choice = choose_dataset_kind(config.data.dataset, config.data.dataset_kind, registry)
    kind = registry.dataset(choice.kind).obj
    return (kind(), choice.location) if issubclass(kind, ShardedDatasetKind) else None


def refuse_image_metrics(metrics: list[Metric], kind: ShardedDatasetKind) -> None:
    """Image metrics read image files; a sharded dataset's images live inside its shards."""
    looking = [metric.name for metric in metrics if metric.needs_images]
    if looking:
        raise FoodcapError(
            f"{', '.join(looking)} score(s) captions against image files, and a {kind.name} "
            "dataset keeps its images inside its shards: score the run's captions with text "
            "metrics (--metrics), or caption an image folder"
        )


def merge_run(
    folder: Path,
    registry: Registry,
    metrics: list[str] | None = None,
    metric_options: dict[str, dict[str, Any]] | None = None,
) -> RunResult:
    """``foodcap merge``: score a run whose shards were captioned by separate jobs, once all are done
    (or score a finished run again, with other metrics or metric options laid over the recorded ones)."""
    if not folder.is_dir():
        raise FoodcapError(f"{folder} is not a run folder")
    config = validate(RunConfig, {**recorded_config(folder), "out": str(folder), "resume": True, "shard": None})
    if metrics is not None:
        config.evaluation.metrics = metrics
    config.evaluation.metric_options = deep_merge(config.evaluation.metric_options, metric_options or {})
    require(metric_checks(registry, config.evaluation))  # a missing judge fails here, not after merging
    unfinished = unfinished_shards(folder)
    if unfinished:
        raise FoodcapError(
            f"cannot merge {folder}: shard(s) {', '.join(map(str, unfinished))} of "
            f"{unfinished[0].count} have not finished; run them (foodcap run --shard I/N with the "
            f"same options) or caption what is left in one process with `foodcap run --resume "
            f"--out {folder}`"
        )
    scorers = resolve_metrics(
        registry, config.evaluation.metrics, config.evaluation.metric_dialect, config.evaluation.metric_options
    )
    sharded = sharded_kind(config, registry)
    if sharded is not None:
        refuse_image_metrics(scorers, sharded[0])
    lock = FolderLock(folder, shared=False)
    try:
        if sharded is not None:
            data = config.data
            manifest = StreamManifest(
                sharded[0].name,
                [str(path) for path in sharded[0].shards(sharded[1])],
                StreamSplit(data.split_seed, data.split_ratios, data.own_split),
                {},
            )
            return RunResult(
                *finish_sharded(
                    RunFolder(folder, resume=True),
                    config,
                    manifest,
                    scorers,
                    {},
                    Launch(),
                    registry.captioner(config.captioner).obj,
                )
            )
        data = load_split_data(config.data, registry)
        return finish_run(
            RunFolder(folder, resume=True),
            config,
            data,
            data.samples(config.data.split, config.data.limit),
            scorers,
            {},
            Launch(),
            registry.captioner(config.captioner).obj,
        )
    finally:
        lock.release()
