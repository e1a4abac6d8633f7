"""Which captioner saved a checkpoint: ``foodcap.json``, written into every checkpoint `foodcap train` saves.

`foodcap run --checkpoint DIR` reads it to choose the captioner when none is named, and pre-flight
refuses a checkpoint of another captioner (naming both) before the dataset is read or a model loads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .runs.folder import RUN, STARTED, write_json
from .version import __version__

RECORD = "foodcap.json"


def write_checkpoint_record(folder: Path, captioner: str) -> None:
    """Record the registered captioner name (e.g. ``llama-lora-1b``, not its class) in a checkpoint folder."""
    write_json(folder / RECORD, {"captioner": captioner, "foodcap_version": __version__})


def recorded_captioner(folder: Path) -> str | None:
    """The captioner that saved ``folder``: its ``foodcap.json``, or for a checkpoint saved before that file
    existed, the record of the training folder that holds it (``best/``, ``checkpoints/epoch-NNN``)."""
    for record, key in (
        (folder / RECORD, "captioner"),
        (folder.parent / STARTED, "captioner"),
        (folder.parent / RUN, "config"),
        (folder.parent.parent / STARTED, "captioner"),
    ):
        value = _read(record).get(key)
        name = value.get("captioner") if isinstance(value, dict) else value
        if isinstance(name, str) and name:
            return name
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
