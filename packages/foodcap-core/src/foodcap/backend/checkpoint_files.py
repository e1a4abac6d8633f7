"""A cheap integrity check of safetensors files, read from their header: no tensor is loaded, nothing unpickled.

A safetensors file is an 8-byte little-endian header length, a JSON header giving each tensor's byte
range, and the data. A file cut short by a kill or a full disk, or overwritten with something else,
is caught here with one line naming it, before a model is built around it.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")

_MAX_HEADER = 100 * 2**20  # safetensors' own limit


def safetensors_problem(path: Path) -> str | None:
    """Why ``path`` is not a whole safetensors file; None when its header and size agree."""
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            prefix = file.read(8)
            if len(prefix) < 8:
                return f"{path} is truncated ({size} bytes): not a safetensors file"
            (header_length,) = struct.unpack("<Q", prefix)
            if header_length > min(_MAX_HEADER, size - 8):
                return f"{path} is corrupted or truncated: its header claims {header_length} bytes of {size}"
            header = json.loads(file.read(header_length))
    except OSError as error:
        return f"{path} cannot be read ({error.strerror or error})"
    except (UnicodeDecodeError, json.JSONDecodeError):
        return f"{path} is corrupted: its header is not valid JSON"
    if not isinstance(header, dict):
        return f"{path} is corrupted: its header is not a table of tensors"
    try:
        end = max(
            (int(entry["data_offsets"][1]) for name, entry in header.items() if name != "__metadata__"), default=0
        )
    except (KeyError, TypeError, ValueError, IndexError):
        return f"{path} is corrupted: a tensor entry has no valid data_offsets"
    expected = 8 + header_length + end
    if size != expected:
        return f"{path} is truncated or corrupted: {size} bytes where its header needs {expected}"
    return None


def checkpoint_problems(folder: Path) -> list[str]:
    """One line per damaged safetensors file anywhere under a checkpoint folder."""
    return [problem for path in sorted(folder.rglob("*.safetensors")) if (problem := safetensors_problem(path))]


def read_checkpoint_config(directory: Path, file_name: str, model: type[M], what: str) -> M:
    """A checkpoint's own config file (a pydantic model), with one line for a missing or invalid one."""
    from pydantic import ValidationError

    from ..errors import FoodcapError

    path = directory / file_name
    if not path.is_file():
        raise FoodcapError(f"{directory} is not a {what} checkpoint: it has no {file_name}")
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as error:
        raise FoodcapError(f"{path} is not a valid {what} checkpoint config: {error.errors()[0]['msg']}") from error
