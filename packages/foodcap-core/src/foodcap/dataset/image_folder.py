"""``imagefolder``: images plus ``metadata.jsonl`` or ``metadata.csv``, the Hugging Face convention.

``file_name`` names the image (relative to the metadata file); the caption column holds one
caption, a list of them (JSON lines), or repeats over several rows of the same ``file_name``.
Split folders (``train/``, ``validation/``, ``test/``, each with its own metadata) give the split;
so does a ``split`` column. A ``group`` column keeps images on one side of the split.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import FoodcapError
from .cleaning_report import CleaningReport
from .kinds import DatasetKind, DatasetOptions
from .recipe_dataset import RecipeDataset
from .records import DatasetRecord, caption_list, clean_records, merge_rows

METADATA_NAMES = ("metadata.jsonl", "metadata.csv")
CAPTION_COLUMNS = ("caption", "captions", "text", "title", "sentences", "references")
SPLIT_FOLDERS = ("train", "validation", "val", "test")
UNREADABLE_ROW = "unreadable metadata row"


class ImageFolder(DatasetKind):
    name = "imagefolder"
    description = "Images plus metadata.jsonl or metadata.csv (file_name and a caption column), as in Hugging Face."

    @classmethod
    def detect(cls, location: Path) -> bool:
        return location.is_dir() and bool(_metadata_files(location))

    def load(self, location: str, options: DatasetOptions) -> RecipeDataset:
        root = Path(location).expanduser().resolve()
        files = _metadata_files(root)
        if not files:
            raise FoodcapError(f"{root} holds no {' or '.join(METADATA_NAMES)} (nor split folders with one)")
        report = CleaningReport()
        rows = [row for path, split in files for row in _rows(path, root, split, options, report)]
        return clean_records(
            merge_rows(rows),
            root,
            workers=options.workers,
            report=report,
            allow_outside_root=options.allow_outside_root,
        )


def _metadata_files(root: Path) -> list[tuple[Path, str | None]]:
    """The metadata file at the root, or else one per split folder (with the folder as split)."""
    for name in METADATA_NAMES:
        if (root / name).is_file():
            return [(root / name, None)]
    found: list[tuple[Path, str | None]] = []
    for folder in SPLIT_FOLDERS:
        for name in METADATA_NAMES:
            if (root / folder / name).is_file():
                found.append((root / folder / name, folder))
                break
    return found


def _rows(
    path: Path, root: Path, split: str | None, options: DatasetOptions, report: CleaningReport
) -> Iterator[DatasetRecord]:
    table = _read_jsonl(path, report) if path.suffix == ".jsonl" else _read_csv(path)
    caption_column = options.caption_column or _caption_column(table, path)
    for number, row in enumerate(table, start=1):
        if row is None:
            continue
        file_name = str(row.get("file_name") or "").strip()
        # A row without a file name still counts (as "no image given"), under an id naming the row.
        key = (
            Path(os.path.relpath(path.parent / file_name, root)).as_posix()
            if file_name
            else f"{path.name} row {number}"
        )
        yield DatasetRecord(
            id=key,
            image=path.parent / file_name if file_name else None,
            captions=caption_list(row.get(caption_column)),
            group=_text(row.get("group")),
            split=_text(row.get("split")) or split,
        )


def _read_jsonl(path: Path, report: CleaningReport) -> list[dict[str, Any] | None]:
    """Rows of a JSON-lines file; a line that is not a JSON object is counted and skipped."""
    rows: list[dict[str, Any] | None] = []
    for line in _text_of(path).splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if not isinstance(row, dict):
            report.rows_read += 1
            report.kept += 1
            report.add_skip(UNREADABLE_ROW)
            row = None
        rows.append(row)
    return rows


def _read_csv(path: Path) -> list[dict[str, Any] | None]:
    try:
        return list(csv.DictReader(io.StringIO(_text_of(path), newline="")))
    except csv.Error as error:
        raise FoodcapError(f"{path} is not a readable CSV: {error}") from error


def _text_of(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise FoodcapError(f"{path} is not UTF-8 text ({error.reason})") from error


def _caption_column(table: list[dict[str, Any] | None], path: Path) -> str:
    columns = {key for row in table if row for key in row}
    for name in CAPTION_COLUMNS:
        if name in columns:
            return name
    raise FoodcapError(
        f"{path} has no caption column ({', '.join(CAPTION_COLUMNS)}); "
        f"name it with --caption-column (columns: {', '.join(sorted(columns)) or 'none'})"
    )


def _text(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None
