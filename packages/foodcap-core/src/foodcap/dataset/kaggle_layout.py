"""The Kaggle "Food Ingredients and Recipe Dataset with Images" folder, as downloaded.

``<root>/Food Ingredients and Recipe Dataset with Image Name Mapping.csv`` (first column unnamed:
the pandas index) and ``<root>/Food Images/Food Images/<Image_Name>.jpg``; a flat
``<root>/Food Images/`` is accepted too.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import FoodcapError

CSV_NAME = "Food Ingredients and Recipe Dataset with Image Name Mapping.csv"
IMAGES_DIR = "Food Images"
IMAGE_SUFFIX = ".jpg"
_REQUIRED_COLUMNS = ("Title", "Image_Name")
_INDEX_HEADERS = {"", "Unnamed: 0"}


@dataclass(frozen=True)
class CsvRow:
    """One data record of the CSV, raw: nothing cleaned yet."""

    id: str
    title: str
    image_name: str


@dataclass(frozen=True)
class KaggleFolder:
    root: Path
    csv_path: Path
    images_dir: Path

    @classmethod
    def find(cls, root: Path) -> KaggleFolder:
        """Locate the CSV and the images folder, or say in one line what is missing."""
        if not root.is_dir():
            raise FoodcapError(f"dataset folder {root} does not exist (or pass --dataset sample)")
        return cls(root=root, csv_path=_find_csv(root), images_dir=_find_images_dir(root))

    def image_names(self) -> set[str]:
        """File names in the images folder, listed once so no row needs its own lookup."""
        with os.scandir(self.images_dir) as entries:
            return {entry.name for entry in entries if not entry.is_dir()}

    def read_rows(self) -> list[CsvRow]:
        """Every data record, with the csv module (fields may be quoted and span lines)."""
        try:
            with open(self.csv_path, newline="", encoding="utf-8-sig") as file:
                reader = csv.reader(file)
                header = next(reader, None)
                if header is None:
                    raise FoodcapError(f"{self.csv_path} is empty: expected the Kaggle recipe CSV")
                columns = _column_positions(header, self.csv_path)
                records = (fields for fields in reader if fields)  # blank lines are not rows
                return [_row(fields, number, columns) for number, fields in enumerate(records)]
        except UnicodeDecodeError as error:
            raise FoodcapError(f"{self.csv_path} is not UTF-8 text ({error.reason})") from error
        except csv.Error as error:
            raise FoodcapError(f"{self.csv_path} is not a readable CSV: {error}") from error


def _find_csv(root: Path) -> Path:
    expected = root / CSV_NAME
    if expected.is_file():
        return expected
    # A renamed CSV is fine as long as there is no doubt which one is meant.
    candidates = sorted(root.glob("*.csv"))
    if len(candidates) == 1:
        return candidates[0]
    found = f"found {len(candidates)} CSV files" if candidates else "found no CSV file"
    raise FoodcapError(f"{root} is not a Kaggle recipe dataset folder: expected {CSV_NAME!r}, {found}")


def _find_images_dir(root: Path) -> Path:
    nested = root / IMAGES_DIR / IMAGES_DIR
    if nested.is_dir():
        return nested
    flat = root / IMAGES_DIR
    if flat.is_dir():
        return flat
    raise FoodcapError(f"{root} has no images folder: expected '{IMAGES_DIR}/{IMAGES_DIR}/' or '{IMAGES_DIR}/'")


@dataclass(frozen=True)
class _Columns:
    id: int | None  # None: no index column, ids are the row numbers (as pandas would number them)
    title: int
    image_name: int


def _column_positions(header: list[str], csv_path: Path) -> _Columns:
    names = [name.strip() for name in header]
    missing = [name for name in _REQUIRED_COLUMNS if name not in names]
    if missing:
        raise FoodcapError(f"{csv_path} lacks column(s) {', '.join(missing)}; it has {', '.join(names)}")
    return _Columns(
        id=0 if names[0] in _INDEX_HEADERS else None,
        title=names.index("Title"),
        image_name=names.index("Image_Name"),
    )


def _row(fields: list[str], number: int, columns: _Columns) -> CsvRow:
    def field(position: int | None) -> str:
        return fields[position] if position is not None and position < len(fields) else ""

    return CsvRow(
        id=field(columns.id).strip() if columns.id is not None else str(number),
        title=field(columns.title),
        image_name=field(columns.image_name),
    )
