"""Every built-in dataset kind on generated layouts with dirty rows: exact cleaning reports, references, splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foodcap.dataset import split_manifest
from foodcap.dataset.selection import choose_dataset_kind, open_dataset
from foodcap.errors import FoodcapError
from foodcap.registry import Registry, get_registry

from dataset_layouts import (
    COCO_REPORT,
    IMAGEFOLDER_REFERENCES,
    IMAGEFOLDER_REPORT,
    five_captions,
    write_coco,
    write_image,
    write_imagefolder,
    write_karpathy,
)

BUILTIN = ["kaggle-food", "coco", "hf", "imagefolder"]


def builtin_registry() -> Registry:
    """The installed registry's built-in dataset kinds only: what other plugins are installed (one that
    detects any folder, one that sorts before 'coco') changes nothing below."""
    installed = get_registry().datasets
    return Registry(datasets={name: installed[name] for name in BUILTIN})


def test_builtin_kinds_are_registered_through_the_entry_point_in_detection_order() -> None:
    datasets = get_registry().datasets
    assert [name for name in datasets if name in BUILTIN] == BUILTIN  # other plugins' kinds may come after
    assert all(datasets[name].source.distribution == "foodcap-core" for name in BUILTIN)


def test_imagefolder_jsonl_counts_every_decision(tmp_path: Path) -> None:
    dataset = open_dataset(str(write_imagefolder(tmp_path / "menu")), builtin_registry())
    assert dataset.report.to_dict() == IMAGEFOLDER_REPORT
    assert {s.id: s.references for s in dataset.samples} == IMAGEFOLDER_REFERENCES
    assert all(s.image == tmp_path / "menu" / s.id for s in dataset.samples)


def test_imagefolder_csv_takes_several_captions_as_repeated_rows(tmp_path: Path) -> None:
    dataset = open_dataset(str(write_imagefolder(tmp_path / "menu", csv_format=True)), builtin_registry())
    expected = dict(
        IMAGEFOLDER_REPORT,
        rows_read=10,
        skipped={k: v for k, v in IMAGEFOLDER_REPORT["skipped"].items() if k != "unreadable metadata row"},
    )  # type: ignore[union-attr]
    assert dataset.report.to_dict() == expected
    assert {s.id: s.references for s in dataset.samples} == IMAGEFOLDER_REFERENCES


def test_imagefolder_split_folders_give_the_split(tmp_path: Path) -> None:
    root = tmp_path / "menu"
    for split, count in (("train", 6), ("validation", 2), ("test", 3)):
        lines = []
        for k in range(count):
            write_image(root / split / f"{k}.jpg")
            lines.append(json.dumps({"file_name": f"{k}.jpg", "text": f"{split} dish {k}"}))
        (root / split / "metadata.jsonl").write_text("\n".join(lines))
    dataset = open_dataset(str(root), builtin_registry())
    assert len(dataset) == 11 and dataset.report.kept == 11
    manifest = split_manifest(dataset.samples, seed=3)
    assert manifest.given and manifest.sizes() == {"train": 6, "val": 2, "test": 3}
    assert manifest.test == ["test/0.jpg", "test/1.jpg", "test/2.jpg"]
    drawn = split_manifest(dataset.samples, seed=3, own_split=False)
    assert not drawn.given and drawn.sizes() != manifest.sizes()


def test_coco_keeps_five_references_and_counts_every_decision(tmp_path: Path) -> None:
    dataset = open_dataset(str(write_coco(tmp_path / "coco")), builtin_registry())
    assert dataset.report.to_dict() == COCO_REPORT
    by_id = {s.id: s for s in dataset.samples}
    assert list(by_id) == ["1", "2", "3", "6"]
    assert by_id["1"].references == tuple(five_captions(1))
    assert by_id["6"].references == ("A cake",)
    assert by_id["2"].image == tmp_path / "coco" / "images" / "000000000002.jpg"


def test_coco_image_root_option(tmp_path: Path) -> None:
    captions = write_coco(tmp_path / "coco")
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (tmp_path / "coco" / "images").rename(moved / "images")
    plain = open_dataset(str(captions), builtin_registry())
    assert plain.report.kept == 0 and plain.report.skipped["missing image file"] == 5
    rooted = open_dataset(str(captions), builtin_registry(), options={"image_root": moved})
    assert rooted.report.to_dict() == COCO_REPORT


def test_karpathy_split_is_used_with_restval_in_train(tmp_path: Path) -> None:
    dataset = open_dataset(str(write_karpathy(tmp_path / "karpathy")), builtin_registry())
    assert dataset.report.kept == 8 and all(len(s.references) == 5 for s in dataset.samples)
    manifest = split_manifest(dataset.samples)
    assert manifest.given
    assert (manifest.train, manifest.val, manifest.test) == (
        ["1000", "1001", "1002", "1006"],
        ["1003", "1007"],
        ["1004", "1005"],
    )
    assert manifest.ratios == pytest.approx((0.5, 0.25, 0.25))


def test_references_of_one_image_never_straddle_a_drawn_split(tmp_path: Path) -> None:
    """Grouping is by the first reference (or the group key): equal dishes stay on one side."""
    dataset = open_dataset(str(write_coco(tmp_path / "coco")), builtin_registry())
    manifest = split_manifest(dataset.samples, ratios=(0.5, 0.25, 0.25), seed=1)
    assert sorted(manifest.ids("all")) == sorted(s.id for s in dataset.samples)


def test_detection_prefix_and_explicit_kind(tmp_path: Path) -> None:
    registry = builtin_registry()
    folder = write_imagefolder(tmp_path / "menu")
    captions = write_coco(tmp_path / "coco")
    assert choose_dataset_kind(str(folder), None, registry).kind == "imagefolder"
    assert choose_dataset_kind(str(captions), None, registry).kind == "coco"
    assert choose_dataset_kind("sample", None, registry).kind == "kaggle-food"
    explicit = choose_dataset_kind(f"coco:{captions}", None, registry)
    assert (explicit.kind, explicit.location, explicit.detected) == ("coco", str(captions), False)
    assert choose_dataset_kind(str(folder), "imagefolder", registry).detected is False


def test_unknown_or_undetectable_layouts_name_the_installed_kinds(tmp_path: Path) -> None:
    registry = builtin_registry()
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "notes.txt").write_text("hello")
    with pytest.raises(
        FoodcapError,
        match=r"cannot tell which kind of dataset .*odd is \(installed kinds: "
        r"kaggle-food, coco, hf, imagefolder",
    ):
        choose_dataset_kind(str(tmp_path / "odd"), None, registry)
    with pytest.raises(FoodcapError, match=r"unknown dataset kind 'parquet' \(installed: coco, hf, imagefolder"):
        choose_dataset_kind(str(tmp_path / "odd"), "parquet", registry)
    with pytest.raises(FoodcapError, match="does not exist"):
        choose_dataset_kind(str(tmp_path / "missing"), None, registry)


def test_bad_files_are_one_line_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"images": [')
    with pytest.raises(FoodcapError, match="not readable JSON"):
        open_dataset(f"coco:{broken}", builtin_registry())
    folder = tmp_path / "menu"
    folder.mkdir()
    (folder / "metadata.jsonl").write_text(json.dumps({"file_name": "a.jpg", "label": "x"}) + "\n")
    with pytest.raises(FoodcapError, match="no caption column .*--caption-column"):
        open_dataset(str(folder), builtin_registry())
    assert open_dataset(str(folder), builtin_registry(), options={"caption_column": "label"}).report.to_dict()[
        "skipped"
    ] == {"missing image file": 1}


def test_a_dataset_that_is_all_train_gets_a_drawn_split(tmp_path: Path) -> None:
    root = tmp_path / "menu"
    lines = []
    for k in range(10):
        write_image(root / "train" / f"{k}.jpg")
        lines.append(json.dumps({"file_name": f"{k}.jpg", "caption": f"dish {k}"}))
    (root / "train" / "metadata.jsonl").write_text("\n".join(lines))
    manifest = split_manifest(open_dataset(str(root), builtin_registry()).samples)
    assert not manifest.given and manifest.sizes() == {"train": 8, "val": 1, "test": 1}
