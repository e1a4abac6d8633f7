"""Cleaning raw records and the Kaggle CSV row by row: every field kept, every decision counted, the report printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from foodcap.dataset import load_kaggle_dataset, sample_root
from foodcap.dataset.cleaning_report import CleaningReport
from foodcap.dataset.inside_root import OUTSIDE_ROOT
from foodcap.dataset.records import DatasetRecord, caption_list, clean_captions, clean_records, merge_rows

from dataset_layouts import write_image
from test_dataset_loading import JPEG, write_folder


def test_repeated_rows_gather_captions_and_keep_the_first_rows_other_fields() -> None:
    rows = [
        DatasetRecord("a", "a.jpg", ["Soup"], group="g1", split="train"),
        DatasetRecord("b", "b.jpg", ["Cake"]),
        DatasetRecord("a", "other.jpg", ["Red soup", None], group="g2", split="test"),
    ]
    assert merge_rows(rows) == [
        DatasetRecord("a", "a.jpg", ["Soup", "Red soup", None], "g1", "train"),
        DatasetRecord("b", "b.jpg", ["Cake"]),
    ]


def test_caption_cells_of_every_shape_become_lists_of_text() -> None:
    assert caption_list(None) == []
    assert caption_list("Soup") == ["Soup"]
    assert caption_list(42) == ["42"]
    assert caption_list(["Soup", None, 7, ""]) == ["Soup", None, "7", ""]
    assert caption_list(("Soup",)) == ["Soup"]


def test_captions_are_cleaned_like_titles_and_repairs_count_only_for_kept_records() -> None:
    assert clean_captions(["Tomato  soup", None, "Cake", 3]) == (  # type: ignore[list-item]
        ("Tomato soup", "Cake", "3"),  # a number is its text, and that counts as a cleaning
        [
            "caption whitespace/control chars cleaned",
            "empty caption dropped (others kept)",
            "caption whitespace/control chars cleaned",
        ],
    )
    assert clean_captions([None, "  "]) == ((), [])  # nothing kept: nothing repaired


def test_every_field_survives_cleaning_and_ids_are_trimmed(tmp_path: Path) -> None:
    for name in ("a", "b", "c", "d"):
        write_image(tmp_path / f"{name}.jpg")
    records = [
        DatasetRecord(" 7 ", "a.jpg", ["Soup"], group="soups", split=" Validation "),
        DatasetRecord("8", tmp_path / "b.jpg", ["Cake"], split="  "),  # absolute, and a blank split: none
        DatasetRecord(None, "c.jpg", ["Tart"]),  # type: ignore[arg-type]
        DatasetRecord("9", "d.jpg", ["Pie"], split="holdout"),
        DatasetRecord("10", "  ", ["Rice"]),
        DatasetRecord("7", "d.jpg", ["Again"]),  # the trimmed id is taken
    ]
    dataset = clean_records(records, tmp_path)
    assert dataset.root == tmp_path and dataset.image_roots == (tmp_path.resolve(),)
    [seven, eight] = dataset.samples
    assert (seven.id, seven.image, seven.references, seven.group, seven.split) == (
        "7",
        tmp_path / "a.jpg",
        ("Soup",),
        "soups",
        "val",
    )
    assert (eight.id, eight.image, eight.group, eight.split) == ("8", tmp_path / "b.jpg", None, None)
    assert dataset.report.skipped == {"empty id": 1, "unknown split name": 1, "no image given": 1, "duplicate id": 1}


def test_by_default_clean_records_keeps_images_inside_the_root(tmp_path: Path) -> None:
    write_image(tmp_path / "elsewhere.jpg")
    (tmp_path / "root").mkdir()
    records = [DatasetRecord("1", "../elsewhere.jpg", ["Soup"])]
    assert clean_records(records, tmp_path / "root").report.skipped == {OUTSIDE_ROOT: 1}
    assert len(clean_records(records, tmp_path / "root", allow_outside_root=True).samples) == 1


def test_the_report_moves_rows_and_refuses_impossible_counts() -> None:
    report = CleaningReport.for_rows(3)
    report.add_skip("duplicate id", 0)
    report.add_repair("cleaned", 0)
    assert report.to_dict() == {"rows_read": 3, "kept": 3, "skipped": {"duplicate id": 0}, "repaired": {"cleaned": 0}}
    with pytest.raises(ValueError, match=r"cannot skip -1 row\(s\): only 3 kept"):
        report.add_skip("x", -1)
    with pytest.raises(ValueError, match=r"cannot skip 4 row\(s\): only 3 kept"):
        report.add_skip("x", 4)
    with pytest.raises(ValueError, match="cannot count -2 repairs"):
        report.add_repair("x", -2)
    assert CleaningReport.from_dict({"rows_read": 2, "kept": 2}) == CleaningReport(2, 2)


def test_the_printed_report_lists_skips_then_repairs_most_frequent_first() -> None:
    report = CleaningReport(
        rows_read=12,
        kept=6,
        skipped={"b reason": 1, "a reason": 1, "often": 4},
        repaired={"b fix": 1, "a fix": 1, "z fix": 10},
    )
    console = Console(record=True, width=60, color_system=None)
    console.print(report.render())
    title, *table = console.export_text().splitlines()
    assert title.strip() == "Dataset cleaning"
    assert (
        "\n".join(table) + "\n"
        == """\
┏━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━┓
┃ decision ┃ reason   ┃ count ┃
┡━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━┩
│ read     │          │    12 │
│ kept     │          │     6 │
│ skipped  │ often    │     4 │
│ skipped  │ a reason │     1 │
│ skipped  │ b reason │     1 │
│ repaired │ z fix    │    10 │
│ repaired │ a fix    │     1 │
│ repaired │ b fix    │     1 │
└──────────┴──────────┴───────┘
"""
    )


def test_a_kaggle_duplicate_id_skips_only_itself_and_a_row_can_be_repaired_twice(tmp_path: Path) -> None:
    rows = [("0", "Soup", "soup"), ("0", "Soup again", "soup"), ("1", " Fire  Chili ", "#NAME?"), ("2", "Cake", "cake")]
    write_folder(tmp_path, rows, {"soup.jpg": JPEG, "-fire-chili.jpg": JPEG, "cake.jpg": JPEG})
    dataset = load_kaggle_dataset(tmp_path)
    assert [sample.id for sample in dataset.samples] == ["0", "1", "2"]
    assert dataset.report.skipped == {"duplicate id": 1}
    assert dataset.report.repaired == {"title whitespace/control chars cleaned": 1, "#NAME? image name recovered": 1}
    assert dataset.root == tmp_path.resolve() and dataset.image_roots == (tmp_path.resolve(),)


def test_sample_means_the_bundled_folder() -> None:
    dataset = load_kaggle_dataset("sample")
    assert dataset.root == sample_root() and dataset.image_roots == (sample_root(),)
    assert dataset.samples and all(sample.image.is_relative_to(sample_root()) for sample in dataset.samples)
