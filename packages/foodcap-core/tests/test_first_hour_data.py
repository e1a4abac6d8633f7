"""Dataset records and splits as a plugin author meets them: string captions, rows a kind cannot parse,
a dropped own split, and why a split is empty."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PIL import Image

from foodcap import DatasetRecord, FoodcapError, SkippedRow
from foodcap.dataset import CleaningReport, RecipeDataset, Sample, split_manifest
from foodcap.dataset.records import clean_records
from foodcap.dataset.split_data import SplitData


def image(folder: Path, name: str) -> str:
    Image.new("RGB", (16, 16), (200, 40, 40)).save(folder / name)
    return name


def test_a_string_caption_is_one_reference_and_skipped_rows_count_under_their_reason(tmp_path: Path) -> None:
    records = [
        DatasetRecord("1", image(tmp_path, "a.png"), "grilled cheese"),
        SkippedRow("malformed line"),
        DatasetRecord("2", image(tmp_path, "b.png"), ["tomato soup", "red soup"]),
        SkippedRow("malformed line"),
    ]
    dataset = clean_records(records, tmp_path)
    assert [sample.references for sample in dataset.samples] == [("grilled cheese",), ("tomato soup", "red soup")]
    assert dataset.report.to_dict() == {"rows_read": 4, "kept": 2, "skipped": {"malformed line": 2}, "repaired": {}}


def samples(splits: list[str | None]) -> list[Sample]:
    return [
        Sample(str(index), Path(f"/x/{index}.png"), (f"dish {index}",), split=split)
        for index, split in enumerate(splits)
    ]


def test_an_own_split_that_cannot_be_used_is_announced_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="foodcap"):
        manifest = split_manifest(samples(["train", "train", "val", "test", None]))
    assert not manifest.given
    assert [record.getMessage() for record in caplog.records] == [
        "the dataset's own split is not used: 1 of 5 records have no split (the others: train 2, val 1, test 1); "
        "a split is drawn by seed and ratios instead"
    ]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="foodcap"):
        split_manifest(samples(["train", None]), own_split=False)  # --no-own-split: nothing to announce
        split_manifest(samples([None, None]))
    assert caplog.records == []


def test_why_a_split_is_empty(tmp_path: Path) -> None:
    drawn = samples([None] * 3)
    data = SplitData(RecipeDataset(tmp_path, drawn, CleaningReport.for_rows(3)), split_manifest(drawn))
    empty = next(split for split, size in data.manifest.sizes().items() if size == 0)
    with pytest.raises(FoodcapError) as error:
        data.required_samples(empty)
    sizes = ", ".join(f"{name} {size}" for name, size in data.manifest.sizes().items())
    assert str(error.value) == (
        f"the {empty} split is empty ({sizes} of 3 images): use more images or other --split-ratios"
    )
    report = CleaningReport.for_rows(4)
    report.add_skip("no caption", 3)
    report.add_skip("missing image file", 1)
    nothing = SplitData(RecipeDataset(tmp_path, [], report), split_manifest([]))
    with pytest.raises(FoodcapError) as error:
        nothing.required_samples("test")
    assert str(error.value) == (
        f"no usable images in the dataset at {tmp_path}: all 4 rows were skipped (3 no caption, 1 missing image file)"
    )
