"""The bundled sample: its expected cleaning counts, its learnable titles, and its reproducibility."""

from __future__ import annotations

import csv
import runpy
from collections import Counter
from pathlib import Path

from PIL import Image, ImageChops

from foodcap.dataset import load_kaggle_dataset, open_rgb, sample_root, sample_titles, split_manifest

GENERATOR = Path(__file__).resolve().parents[1] / "scripts" / "make_sample_dataset.py"
CSV_NAME = "Food Ingredients and Recipe Dataset with Image Name Mapping.csv"
DISHES = {"Soup", "Pizza", "Burger", "Salad", "Tart", "Pasta", "Cake", "Smoothie"}


def test_bundled_sample_loads_with_the_expected_counts() -> None:
    dataset = load_kaggle_dataset("sample")
    assert dataset.root == sample_root()
    assert dataset.report.to_dict() == {
        "rows_read": 314,
        "kept": 307,
        "skipped": {
            "empty image file": 1,
            "empty image name": 1,
            "empty title": 1,
            "missing image file": 1,
            "not an image": 1,
            "truncated image": 1,
            "unrecoverable #NAME? image name": 1,
        },
        "repaired": {"#NAME? image name recovered": 1, "title whitespace/control chars cleaned": 2},
    }
    titles = {s.title for s in dataset.samples}
    assert {"Pumpkin Soup with Sesame", "Spinach Salad with Feta", '"Classic" Tomato Soup with Basil'} <= titles
    assert any("Jalapeño" in t for t in titles)


def test_bundled_sample_decodes_to_kaggle_sized_rgb_with_four_conversions() -> None:
    conversions: Counter[str] = Counter()
    for sample in load_kaggle_dataset("sample").samples:
        image, repair = open_rgb(sample.image)
        assert (image.mode, image.size) == ("RGB", (274, 169))
        if repair:
            conversions[repair] += 1
    assert conversions == {f"image converted to RGB from {mode}": 1 for mode in ("L", "CMYK", "P", "RGBA")}


def test_titles_name_what_is_drawn_with_words_every_split_shares() -> None:
    dataset = load_kaggle_dataset("sample")
    assert all(s.title.split(" with ")[0].split()[-1] in DISHES for s in dataset.samples)
    manifest = split_manifest(dataset.samples)
    titles = {s.id: s.title for s in dataset.samples}
    train_words = {word for i in manifest.train for word in titles[i].split()}
    held_out = [titles[i] for i in manifest.val + manifest.test]
    assert manifest.sizes() == {"train": 246, "val": 31, "test": 30}
    assert not set(held_out) & {titles[i] for i in manifest.train}  # unseen combinations...
    assert {w for t in held_out for w in t.split()} - train_words <= {'"Classic"'}  # ...of seen words


def test_sample_titles_read_the_csv_only() -> None:
    titles = sample_titles()
    assert len(titles) == 313  # every row but the empty title
    assert {s.title for s in load_kaggle_dataset("sample").samples} <= set(titles)
    assert "Pumpkin Soup with Sesame" in titles and all(t == t.strip() for t in titles)


def test_generator_reproduces_the_committed_sample(tmp_path: Path) -> None:
    runpy.run_path(str(GENERATOR), run_name="make_sample_dataset")["make_sample"](tmp_path)
    committed, fresh = sample_root(), tmp_path
    assert (fresh / CSV_NAME).read_bytes() == (committed / CSV_NAME).read_bytes()
    committed_images = committed / "Food Images" / "Food Images"
    fresh_images = fresh / "Food Images" / "Food Images"
    names = sorted(p.name for p in committed_images.iterdir())
    assert names == sorted(p.name for p in fresh_images.iterdir())
    for name in names:
        old, new = (committed_images / name).read_bytes(), (fresh_images / name).read_bytes()
        if old == new:
            continue
        # Another Pillow/libjpeg may encode differently: then the pictures must still match.
        old_image, _ = open_rgb(committed_images / name)
        new_image, _ = open_rgb(fresh_images / name)
        histogram = ImageChops.difference(old_image, new_image).convert("L").histogram()
        mean_difference = sum(level * count for level, count in enumerate(histogram)) / sum(histogram)
        assert mean_difference < 2, name
    size = sum(p.stat().st_size for p in committed_images.iterdir()) + (committed / CSV_NAME).stat().st_size
    assert size < 3_000_000


def test_sample_csv_has_the_kaggle_columns_and_multiline_fields() -> None:
    with open(sample_root() / CSV_NAME, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["", "Title", "Ingredients", "Instructions", "Image_Name", "Cleaned_Ingredients"]
    assert [row[0] for row in rows[1:]] == [str(i) for i in range(314)]
    assert sum("\n" in row[3] for row in rows[1:]) == 314
    with Image.open(sample_root() / "Food Images" / "Food Images" / f"{rows[1][4]}.jpg") as first:
        assert first.size == (274, 169)
