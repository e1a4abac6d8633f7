from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from PIL import Image

from foodcap.plugins import register_plugin, unregister_plugin
from foodcap.registry import reset_registry

from fake_captioner import FakeCaptioner, FakePlugin

CSV_NAME = "Food Ingredients and Recipe Dataset with Image Name Mapping.csv"
COLOURS = {
    "Tomato Soup": (200, 30, 30),
    "Pea Soup": (40, 170, 50),
    "Blueberry Tart": (40, 40, 190),
    "Lemon Cake": (230, 220, 40),
    "Chocolate Mousse": (90, 50, 20),
    "Rice Pudding": (240, 240, 235),
}


def write_kaggle_folder(root: Path, per_title: int = 10) -> list[str]:
    """A clean Kaggle-layout folder: ``per_title`` noisy solid-colour JPEGs per title."""
    images = root / "Food Images" / "Food Images"
    images.mkdir(parents=True)
    generator = torch.Generator().manual_seed(0)
    rows, titles = [], []
    for title, rgb in COLOURS.items():
        for k in range(per_title):
            name = f"{title.lower().replace(' ', '-')}-{k}"
            noise = torch.randint(-25, 26, (3,), generator=generator).tolist()
            Image.new("RGB", (274, 169), tuple(max(0, min(255, c + n)) for c, n in zip(rgb, noise))).save(
                images / f"{name}.jpg"
            )
            # Distinct titles, so the title-grouped split spreads every colour over train/val/test.
            rows.append([len(rows), f"{title} {k}", "['x']", "Cook.", name, "['x']"])
            titles.append(f"{title} {k}")
    with (root / CSV_NAME).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["", "Title", "Ingredients", "Instructions", "Image_Name", "Cleaned_Ingredients"])
        writer.writerows(rows)
    return titles


@pytest.fixture
def kaggle_folder(tmp_path: Path) -> Path:
    root = tmp_path / "food"
    write_kaggle_folder(root)
    return root


@pytest.fixture
def fake_plugin() -> Iterator[type[FakeCaptioner]]:
    register_plugin(FakePlugin, name="fake-test")
    reset_registry()
    FakeCaptioner.generate_calls = 0
    try:
        yield FakeCaptioner
    finally:
        unregister_plugin("fake-test")
        reset_registry()
