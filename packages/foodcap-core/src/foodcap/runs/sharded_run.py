"""`foodcap run` on a sharded dataset (``webdataset``, ``parquet``): the records stream from the shards
to the captioner to the parts, and the merge and scoring stream too, so memory stays flat however many
images there are.

Ranks and ``--shard I/N`` jobs divide the input shards (dataset/shard_units.py); each process appends
its units' records to its part in split order (a unit's batches may come back from the workers in
another order, so later units wait in memory until the earlier ones are written) and records in the
part's status which units it finished and each shard's cleaning report. Resume, merge and the locks
work as for every kind (runner.py, parts.py).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from ..batches import CaptionCollate
from ..batches.shard_stream import ShardReading, UnitBatch, shard_loader
from ..captioner import Captioner
from ..config import RunConfig
from ..dataset import CleaningReport
from ..dataset.records import DUPLICATE_ID
from ..dataset.shard_units import STREAM, Unit, assign_units, done_shards
from ..dataset.sharded import ShardedDatasetKind, StreamManifest, StreamSplit
from ..dataset.split_data import dataset_options
from ..errors import FoodcapError
from ..launch import Launch, Shard, decided_by_rank0
from ..metric import Metric
from .captioning import CaptionLog
from .folder import METRICS, PARTS, RunFolder, default_run_folder, iter_jsonl
from .merge import merge_parts, part_reports
from .parts import FolderLock, PartsProgress, PartWriter, new_launch_id, part_name, part_status
from .predictions import failure_record, prediction_record
from .progress import image_progress
from .record import write_run_record
from .resume import check_resume
from .scoring import Scores, score_folder
from .sidecars import write_sidecars


@dataclass
class ShardedSplit:
    """What a sharded run records about its data (record.py's SplitSource)."""

    report: CleaningReport
    manifest: StreamManifest
    image_roots: tuple[Path, ...] = ()  # its images lie inside the shards: a report shows none


@dataclass
class ShardedPlan:
    """Rank 0's decision, handed to every rank: where, which launch, which shards are left."""

    folder: Path
    launch_id: str
    todo: list[int]  # input shards (or [STREAM] for --limit) not yet done
    captioned: dict[int, set[int]]  # of those, the records already captioned by earlier launches


def units_done(folder: Path) -> list[Unit]:
    return [Unit(*unit) for report in part_reports(folder) for unit in report.get("units_done", [])]


def plan_sharded(
    config: RunConfig, shards: int, shard: Shard, started: dict[str, Any], held: list[FolderLock]
) -> ShardedPlan:
    """Open (or continue) the folder, lock it, check it holds this work, and list what is left."""
    path = config.out or default_run_folder(config.captioner)
    if not shard.whole and (path / METRICS).exists() and not config.resume:
        raise FoodcapError(f"{path} holds a merged run already; pass --resume to add to it")
    joins = not shard.whole and path.exists()
    RunFolder(path, resume=config.resume or joins)
    held.append(FolderLock(path, shared=not shard.whole))
    check_resume(path, started, config.resume or joins)
    done = done_shards(units_done(path))
    todo = [STREAM] if config.data.limit else list(range(shards))
    todo = [index for index in todo if index not in done]
    captioned: dict[int, set[int]] = defaultdict(set)
    for records in [iter_jsonl(path / "predictions.jsonl")] + [
        iter_jsonl(part) for part in sorted((path / PARTS).glob("*.jsonl"))
    ]:
        for record in records:
            if "caption" in record and "order" in record and (config.data.limit or record["order"][0] in todo):
                captioned[record["order"][0]].add(record["order"][1])
    return ShardedPlan(path, new_launch_id(), todo, dict(captioned))


def caption_units(
    part: PartWriter, captioner: Captioner, reading: ShardReading, config: RunConfig, tick: Callable[[], None]
) -> CaptionLog:
    """Caption this process's units into its part, unit by unit in order, marking each done when written."""
    log = CaptionLog()
    waiting: dict[int, list[dict[str, Any]]] = defaultdict(list)
    finished: dict[int, dict[int, dict[str, Any]]] = {}
    written, done_units, shard_reports = 0, [], {}
    loader = shard_loader(
        reading, CaptionCollate(captioner.preprocessor()), config.data.batch_size, config.data.num_workers
    )
    started = time.perf_counter()
    item: UnitBatch
    for item in loader:
        batch = item.batch
        log.note(batch)
        captions = captioner.generate(batch.inputs) if batch.samples else []
        records = [failure_record(s, reason) for s, reason in batch.failures]
        records += [prediction_record(s, c) for s, c in zip(batch.samples, captions)]
        waiting[item.unit] += sorted(records, key=lambda record: record["order"])
        if item.last:
            finished[item.unit] = item.reports
        while written < len(reading.units) and (waiting.get(written) or written in finished):
            if waiting.get(written):
                part.append(waiting.pop(written))
            if written not in finished:
                break
            done_units.append(list(reading.units[written]))
            shard_reports.update({str(shard): report for shard, report in finished.pop(written).items()})
            part.status("running", units_done=done_units, shard_reports=shard_reports)
            written += 1
        tick()
    log.seconds = time.perf_counter() - started
    part.status(
        "done",
        **log.totals(),
        device=str(captioner.device),
        units_done=done_units,
        shard_reports=shard_reports,
    )
    return log


def run_sharded(
    config: RunConfig,
    kind: ShardedDatasetKind,
    location: str,
    entry_class: type[Captioner],
    load: Callable[[], Captioner],
    metrics: list[Metric],
    launch: Launch,
    shard: Shard,
    started_for: Callable[[str], dict[str, Any]],
    console: Console,
) -> tuple[Path, Scores, int, dict[str, str], bool]:
    """Caption (and on rank 0 of a whole launch, merge and score) a sharded dataset."""
    data = config.data
    shards = kind.shards(location)
    rule = StreamSplit(data.split_seed, data.split_ratios, data.own_split)
    manifest = StreamManifest(kind.name, [str(path) for path in shards], rule, {})
    held: list[FolderLock] = []
    try:
        plan = decided_by_rank0(
            launch, lambda: plan_sharded(config, len(shards), shard, started_for(manifest.digest()), held)
        )
        if shard.whole:  # the launch's ranks share what is left
            units = assign_units(plan.todo, launch.world_size, launch.rank, data.limit is not None)
        else:  # a job of an array plans alone: its slice of every shard, less what is done
            every = [STREAM] if data.limit else list(range(len(shards)))
            units = [
                unit
                for unit in assign_units(every, shard.count, shard.index, data.limit is not None)
                if unit.shard in plan.todo
            ]
        reading = ShardReading(kind, shards, units, dataset_options(data), rule, data.split, data.limit, plan.captioned)
        names = [part_name(Launch(r, launch.world_size), plan.launch_id, shard) for r in range(launch.world_size)]
        about = {
            "config": config.model_dump(mode="json"),
            "rank": launch.rank,
            "world_size": launch.world_size,
            "shard": str(shard) if not shard.whole else None,
            "assigned": [list(unit) for unit in units],
        }
        if launch.is_main:
            console.print(
                f"{len(shards)} input shard(s), {len(plan.todo) if not data.limit else 'the first records'}"
                f" to caption{f' (shard {shard})' if not shard.whole else ''}"
                + (f"; {launch.world_size} processes" if launch.distributed else "")
            )
        begun = time.perf_counter()
        captioner = load() if units else None
        with PartWriter(plan.folder, names[launch.rank], about) as part:
            if captioner is None:
                part.status("done", images=0, failures=0, repairs={}, seconds=0.0, units_done=[], shard_reports={})
                log = CaptionLog()
            elif not launch.is_main:
                log = caption_units(part, captioner, reading, config, lambda: None)
            else:
                watched = PartsProgress([plan.folder / PARTS / f"{name}.jsonl" for name in names])
                with image_progress(console) as progress:
                    task = progress.add_task(f"captioning ({config.captioner})", total=None)
                    log = caption_units(
                        part, captioner, reading, config, lambda: progress.update(task, completed=watched.done())
                    )
            if launch.is_main:
                _wait(plan.folder, names)
        if not launch.is_main or not shard.whole:
            if not shard.whole:
                console.print(
                    f"shard {shard} finished; once every shard has, `foodcap merge {plan.folder}` scores the run"
                )
            return plan.folder, Scores({}, {}, {}), 0, log.failures, False
        wall = time.perf_counter() - begun
        captioned_now = sum(part_status(plan.folder, name).get("images", 0) for name in names)
        timings = {"caption_seconds": wall, "images_per_second": captioned_now / wall if wall else 0.0}
        return finish_sharded(
            RunFolder(plan.folder, resume=True), config, manifest, metrics, timings, launch, entry_class, captioner
        )
    finally:
        for lock in held:
            lock.release()


def _wait(folder: Path, names: list[str]) -> None:
    while any(part_status(folder, name).get("status") != "done" for name in names):
        time.sleep(0.5)


def finish_sharded(
    folder: RunFolder,
    config: RunConfig,
    manifest: StreamManifest,
    metrics: list[Metric],
    timings: dict[str, float],
    launch: Launch,
    captioner_class: type[Captioner],
    captioner: Captioner | None = None,
) -> tuple[Path, Scores, int, dict[str, str], bool]:
    """Merge every part (k-way, by input shard and record), score, write metrics.json and run.json."""
    reports = part_reports(folder.path)
    wanted = [STREAM] if config.data.limit else list(range(len(manifest.shards)))
    left = [index for index in wanted if index not in done_shards(units_done(folder.path))]
    if left:
        raise FoodcapError(
            f"{len(left)} input shard(s) have not been captioned yet; finish them with "
            f"`foodcap run --resume --out {folder.path}` (or the missing --shard jobs)"
        )
    shard_reports: dict[str, dict[str, Any]] = {}
    for report in reports:
        for shard, counted in report.get("shard_reports", {}).items():
            shard_reports.setdefault(shard, counted)
    started = time.perf_counter()
    merged = merge_parts(folder.path, lambda record: tuple(record["order"]) if "order" in record else None)
    cleaning, splits = CleaningReport(), Counter[str]()
    for counted in shard_reports.values():
        part = CleaningReport.from_dict(counted)
        cleaning.rows_read += part.rows_read
        cleaning.kept += part.kept
        for reason, count in part.skipped.items():
            cleaning.skipped[reason] = cleaning.skipped.get(reason, 0) + count
        for reason, count in part.repaired.items():
            cleaning.add_repair(reason, count)
        splits.update(counted.get("splits", {}))
    if merged.duplicates:
        cleaning.add_skip(DUPLICATE_ID, merged.duplicates)
        splits.subtract(merged.duplicate_splits)
    manifest.counted = dict(splits)
    scored = score_folder(folder, merged, metrics)
    processes = [
        {key: value for key, value in report.items() if key not in ("config", "shard_reports")} for report in reports
    ]
    timings = {**timings, "metrics_seconds": time.perf_counter() - started}
    write_run_record(
        folder,
        config,
        ShardedSplit(cleaning, manifest),
        scored,
        processes,
        captioner_class,
        captioner,
        timings,
        world_size=launch.world_size,
        duplicate_ids=merged.duplicates,
    )
    if config.write_sidecars:
        write_sidecars(folder.path, manifest.shards)
    return folder.path, scored.scores, scored.count, scored.failures, True
