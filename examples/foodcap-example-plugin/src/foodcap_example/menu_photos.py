"""The example's dataset kind: a restaurant's menu photos, described by ``menu.csv``.

``menu.csv`` has a ``photo`` column (file name beside it), a ``dish`` column and an optional
``also_called`` column whose ``|``-separated names are further references.
Cleaning (missing photos, empty names, repeated photos) is foodcap's: this only reads the CSV, and
reports a row with more fields than the header as a ``SkippedRow`` under its own reason.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from foodcap import DatasetKind, DatasetOptions, DatasetRecord, FoodcapError, SkippedRow

MENU = "menu.csv"
MALFORMED = "malformed menu.csv row"  # this kind's own reason in the cleaning report


class MenuPhotos(DatasetKind):
    name = "menu-photos"
    description = "A restaurant's menu photos: menu.csv (photo, dish, other names) beside the images."

    @classmethod
    def detect(cls, location: Path) -> bool:
        return (location / MENU).is_file()

    def records(self, location: str, options: DatasetOptions) -> Iterator[DatasetRecord | SkippedRow]:
        menu = Path(location).expanduser() / MENU
        if not menu.is_file():
            raise FoodcapError(f"{location} has no {MENU}")
        with menu.open(newline="", encoding="utf-8") as file:
            for row in csv.DictReader(file):
                if None in row:  # more fields than the header names: which is the dish cannot be told
                    yield SkippedRow(MALFORMED)
                    continue
                others = [name for name in (row.get("also_called") or "").split("|") if name.strip()]
                yield DatasetRecord(
                    id=row.get("photo") or "", image=row.get("photo") or None, captions=[row.get("dish"), *others]
                )
