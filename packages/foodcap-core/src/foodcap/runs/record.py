"""run.json and metrics.json: one builder of the run record for `run` and `train` alike, with the
software and hardware it ran on, the dataset's cleaning report and what was evaluated."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from typing import TYPE_CHECKING, Any

import torch

from ..config import RunConfig
from ..dataset import CleaningReport
from ..dataset.split_data import SplitSource
from .captioning import CaptionLog
from .folder import METRICS, RUN, SPLIT, RunFolder
from .scoring import FolderScores, Scores

if TYPE_CHECKING:
    from ..captioner import Captioner

_LIBRARIES = ("torch", "transformers", "peft", "accelerate", "tokenizers", "nltk", "rouge-score", "pillow")


def package_versions() -> dict[str, str]:
    """Versions of every installed foodcap distribution and the libraries results depend on."""
    versions = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and (name.startswith("foodcap") or name.lower() in _LIBRARIES):
            versions[name] = dist.version
    return dict(sorted(versions.items()))


def describe_hardware(device: torch.device) -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "device": str(device),
        "cpu_threads": torch.get_num_threads(),
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def registered_captioner(alias: str, cls: type[Captioner], captioner: Captioner | None) -> dict[str, Any]:
    """A run record's captioner: the registered name the user chose, with the class alongside
    (one class may serve several names, e.g. every Gemma size)."""
    described = captioner.describe() if captioner is not None else {}
    return {**described, "name": alias, "class": f"{cls.__module__}.{cls.__qualname__}", "class_name": cls.name}


def dataset_record(data: SplitSource, log: CaptionLog) -> dict[str, Any]:
    """The cleaning report with this run's decode-time decisions folded in, plus split sizes."""
    report = CleaningReport.from_dict(data.report.to_dict())
    for reason in log.failures.values():
        report.add_skip(reason)
    for reason, count in log.repairs.items():
        report.add_repair(reason, count)
    return {
        "cleaning_report": report.to_dict(),
        "decode_failures": log.failures,
        "split_sizes": data.manifest.sizes(),
        # Where the run may read images from (None: anywhere, --allow-outside-root); the report copies no others.
        "image_roots": None if data.image_roots is None else [str(r) for r in data.image_roots],
    }


def record_evaluation(
    folder: RunFolder, config: RunConfig, data: SplitSource, split: str, scores: Scores, count: int
) -> dict[str, Any]:
    """Write split.json and metrics.json; returns what was evaluated, for run.json."""
    data.manifest.save(folder.path / SPLIT)
    evaluated_on = {
        "split": split,
        "manifest_digest": data.manifest.digest(),
        "dataset": config.data.dataset,
        "limit": config.data.limit,
        "dialect": config.evaluation.metric_dialect,
        **({"metric_signatures": scores.signatures} if scores.signatures else {}),
        **({"image_metrics": scores.image_metrics} if scores.image_metrics else {}),
    }
    folder.write(
        METRICS,
        {
            "captioner": config.captioner,
            **evaluated_on,
            "count": count,
            "scores": scores.corpus,
            **({"failures": scores.failures} if scores.failures else {}),
        },
    )
    return evaluated_on


def run_record(
    kind: str,
    config: RunConfig,
    captioner_class: type[Captioner],
    captioner: Captioner | None,
    device: torch.device | None,
    data: SplitSource,
    log: CaptionLog,
    **fields: Any,
) -> dict[str, Any]:
    """run.json of a `run` or a `train`: what ran, on what, on which data; ``fields`` add the kind's own."""
    return {
        "kind": kind,
        "config": config.model_dump(mode="json"),
        "captioner": registered_captioner(config.captioner, captioner_class, captioner),
        "versions": package_versions(),
        "hardware": describe_hardware(device) if device is not None else {},
        **fields,
        **dataset_record(data, log),
    }


def write_run_record(
    folder: RunFolder,
    config: RunConfig,
    data: SplitSource,
    scored: FolderScores,
    processes: list[dict[str, Any]],
    captioner_class: type[Captioner],
    captioner: Captioner | None,
    timings: dict[str, Any],
    **extra: Any,
) -> None:
    """A scored run's metrics.json, split.json and run.json, with each process's report (its repairs too)."""
    log = CaptionLog(failures=scored.failures)
    for report in processes:
        log.add_repairs(report.get("repairs") or {})
    evaluated_on = record_evaluation(folder, config, data, config.data.split, scored.scores, scored.count)
    record = run_record(
        "run",
        config,
        captioner_class,
        captioner,
        captioner.device if captioner else None,
        data,
        log,
        evaluated_on=evaluated_on,
        processes=processes,
        captioned_twice=scored.captioned_twice,
        timings={**timings, "metric_seconds": scored.scores.seconds},
        grounding=scored.grounding,
        **extra,
    )
    folder.write(RUN, record)
