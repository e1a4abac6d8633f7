"""``--resume`` continues only the same work: the folder records what it was started with, and a
resumption with another captioner, other options, another dataset manifest, split or limit is refused
with one line per difference, before any model loads.

Settings that change how, not what, is computed (device, batch size, workers, metrics, epochs) may
differ: ``--resume --metrics X`` on a finished run rescores it, and a longer schedule continues it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..captioner import CaptionerOptions
from ..config import RunConfig
from ..dataset.bundled_sample import SAMPLE
from ..errors import FoodcapError
from .folder import METRICS, RUN, STARTED, write_json


def started_with(
    config: RunConfig, options: CaptionerOptions, manifest_digest: str, split: str, freeze: str | None = None
) -> dict[str, Any]:
    """What makes a folder's results what they are: the record a resumption must match."""
    dataset = config.data.dataset
    return {
        "captioner": config.captioner,
        # Where the model runs (device, placement) changes how, not what, is computed.
        "options": options.model_dump(mode="json", exclude={"device", "device_map", "max_memory"}),
        "dataset": dataset if dataset == SAMPLE else str(Path(dataset).expanduser().resolve()),
        "manifest_digest": manifest_digest,
        "split": split,
        "limit": config.data.limit,
        **({"freeze": freeze} if freeze is not None else {}),
    }


def differences(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Every leaf that differs, as ``key was X, now Y`` (nested tables as dotted keys)."""
    found = []
    for key in sorted(set(old) | set(new)):
        before, now = old.get(key), new.get(key)
        if isinstance(before, Mapping) and isinstance(now, Mapping):
            found += differences(before, now, f"{prefix}{key}.")
        elif before != now:
            found.append(f"{prefix}{key} was {before!r}, now {now!r}")
    return found


def recorded(folder: Path) -> dict[str, Any] | None:
    """What ``folder`` was started with: its started.json, or for a finished run written before that
    file existed, the part its run.json and metrics.json hold (captioner, dataset, manifest, split, limit)."""
    if (folder / STARTED).is_file():
        return dict(json.loads((folder / STARTED).read_text(encoding="utf-8")))
    if not (folder / RUN).is_file() or not (folder / METRICS).is_file():
        return None
    config = json.loads((folder / RUN).read_text(encoding="utf-8")).get("config", {})
    metrics = json.loads((folder / METRICS).read_text(encoding="utf-8"))
    dataset = metrics.get("dataset", SAMPLE)
    return {
        "captioner": config.get("captioner"),
        "split": metrics.get("split"),
        "limit": metrics.get("limit"),
        "manifest_digest": metrics.get("manifest_digest"),
        "dataset": dataset if dataset == SAMPLE else str(Path(dataset).expanduser().resolve()),
    }


def check_resume(folder: Path, record: dict[str, Any], resume: bool) -> None:
    """On ``--resume``, refuse when ``record`` differs from what ``folder`` was started with."""
    before = recorded(folder) if resume else None
    if before is not None:
        found = differences(before, {key: record[key] for key in before if key in record})
        if found:
            lines = "".join(f"\n  {line}" for line in found)
            raise FoodcapError(f"cannot resume {folder}: it holds other work (choose another --out):{lines}")


def record_start(folder: Path, record: dict[str, Any], resume: bool) -> None:
    """Write what ``folder``'s work is, for later resumptions (a resumption keeps the first record)."""
    if not (folder / STARTED).is_file() or not resume:
        write_json(folder / STARTED, record)
