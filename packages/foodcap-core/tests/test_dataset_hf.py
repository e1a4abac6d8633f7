"""The ``hf`` kind on datasets saved with save_to_disk: stored images, caption lists, DatasetDict splits."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from foodcap.dataset import split_manifest
from foodcap.dataset.selection import choose_dataset_kind, open_dataset
from foodcap.errors import FoodcapError
from foodcap.registry import get_registry

from dataset_layouts import jpeg_bytes

datasets = pytest.importorskip("datasets", reason="the hf kind needs foodcap-core[hf]")

HF_REPORT = {
    "rows_read": 6,
    "kept": 3,
    "skipped": {"no caption": 1, "no image given": 1, "not an image": 1},
    "repaired": {"empty caption dropped (others kept)": 1},
}


def stored_images() -> datasets.Dataset:
    """Six rows with the image bytes inside the dataset (as save_to_disk keeps them), three usable."""
    images = [{"bytes": jpeg_bytes((40 * k, 90, 90)), "path": None} for k in range(4)]
    images.append({"bytes": b"not a jpeg at all", "path": None})
    images.append(None)
    captions = [
        ["a bowl of soup", "red soup"],
        ["lemon cake"],
        ["pea soup", "", "green soup"],
        [],
        ["broken"],
        ["no picture"],
    ]
    table = datasets.Dataset.from_dict({"image": images, "captions": captions})
    return table.cast_column("image", datasets.Image())


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FOODCAP_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_saved_dataset_is_detected_cleaned_and_its_images_written_once(tmp_path: Path, cache: Path) -> None:
    folder = tmp_path / "saved"
    stored_images().save_to_disk(str(folder))
    assert choose_dataset_kind(str(folder), None, get_registry()).kind == "hf"
    dataset = open_dataset(str(folder), get_registry())
    assert dataset.report.to_dict() == HF_REPORT
    assert {s.id: s.references for s in dataset.samples} == {
        "0": ("a bowl of soup", "red soup"),
        "1": ("lemon cake",),
        "2": ("pea soup", "green soup"),
    }
    assert all(cache in s.image.parents and s.image.read_bytes()[:3] == b"\xff\xd8\xff" for s in dataset.samples)
    written = sorted(cache.rglob("*.jpg"))
    again = open_dataset(str(folder), get_registry())
    assert [s.image for s in again.samples] == [s.image for s in dataset.samples]
    assert sorted(cache.rglob("*.jpg")) == written


def test_dataset_dict_splits_become_the_dataset_split(tmp_path: Path, cache: Path) -> None:
    def part(count: int, offset: int) -> datasets.Dataset:
        table = datasets.Dataset.from_dict(
            {
                "picture": [{"bytes": jpeg_bytes((10 * (k + offset), 50, 50)), "path": None} for k in range(count)],
                "dish": [f"dish {k + offset}" for k in range(count)],
            }
        )
        return table.cast_column("picture", datasets.Image())

    folder = tmp_path / "dict"
    datasets.DatasetDict({"train": part(5, 0), "validation": part(2, 5), "test": part(3, 7)}).save_to_disk(str(folder))
    with pytest.raises(FoodcapError, match="no caption column .*--caption-column"):
        open_dataset(f"hf:{folder}", get_registry())
    dataset = open_dataset(f"hf:{folder}", get_registry(), options={"caption_column": "dish"})
    manifest = split_manifest(dataset.samples)
    assert manifest.given and manifest.sizes() == {"train": 5, "val": 2, "test": 3}
    assert manifest.test == ["test/0", "test/1", "test/2"]
    assert [s.title for s in dataset.select(manifest.test)] == ["dish 7", "dish 8", "dish 9"]


def test_image_paths_in_a_string_column_are_read_in_place(tmp_path: Path, cache: Path) -> None:
    image = tmp_path / "photo.jpg"
    image.write_bytes(jpeg_bytes())
    folder = tmp_path / "paths"
    datasets.Dataset.from_dict({"file": [str(image)], "caption": ["tomato soup"]}).save_to_disk(str(folder))
    # The photo lies beside the saved folder, not in it: read only when the user allows paths out of it.
    dataset = open_dataset(str(folder), get_registry(), options={"image_column": "file", "allow_outside_root": True})
    assert [s.image for s in dataset.samples] == [image]
    assert not cache.exists()
    kept_in = open_dataset(str(folder), get_registry(), options={"image_column": "file"})
    assert kept_in.samples == [] and kept_in.report.skipped == {"image outside the dataset folder": 1}


def test_missing_extra_is_one_line_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "saved"
    stored_images().save_to_disk(str(folder))
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(FoodcapError, match=r"pip install 'foodcap-core\[hf\]'"):
        open_dataset(str(folder), get_registry())


def test_a_parquet_file_is_read_with_load_dataset(tmp_path: Path, cache: Path) -> None:
    """Relative image paths in a data file start from the file's folder, like every other kind's."""
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "soup.jpg").write_bytes(jpeg_bytes())
    table = datasets.Dataset.from_dict(
        {"image_path": ["photos/soup.jpg", "photos/gone.jpg"], "caption": [["tomato soup", "red soup"], ["lost dish"]]}
    )
    table.to_parquet(str(tmp_path / "menu.parquet"))
    dataset = open_dataset(f"hf:{tmp_path / 'menu.parquet'}", get_registry())
    assert dataset.report.to_dict()["skipped"] == {"missing image file": 1}
    assert [(s.image, s.references) for s in dataset.samples] == [
        (tmp_path / "photos" / "soup.jpg", ("tomato soup", "red soup"))
    ]
