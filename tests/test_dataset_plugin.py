"""A third-party dataset kind (the example plugin's menu-photos), installed like any package, end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from PIL import Image

from conftest import Cli
from test_cli import one_line_error

DISHES = {
    "tomato-soup": ((200, 40, 40), "Tomato soup", "Red soup|Soup of the day"),
    "pea-soup": ((60, 160, 60), "Pea soup", ""),
    "lemon-cake": ((230, 210, 60), "Lemon cake", "Yellow cake"),
    "blueberry-tart": ((120, 50, 140), "Blueberry tart", ""),
    "rice": ((235, 235, 230), "Rice pudding", ""),
    "mousse": ((130, 80, 40), "Chocolate mousse", "Brown mousse"),
}


def write_menu(root: Path) -> Path:
    """Six photos on the menu (one of them missing, one with an empty name) plus one photo listed twice."""
    root.mkdir()
    with (root / "menu.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["photo", "dish", "also_called"])
        for name, (rgb, dish, others) in DISHES.items():
            if name != "rice":
                Image.new("RGB", (40, 30), rgb).save(root / f"{name}.jpg")
            writer.writerow([f"{name}.jpg", dish, others])
        writer.writerow(["lemon-cake.jpg", "Lemon cake again", ""])
        writer.writerow(["mystery.jpg", "", ""])
    Image.new("RGB", (40, 30), (1, 2, 3)).save(root / "mystery.jpg")
    return root


def test_menu_photos_kind_is_detected_cleaned_and_scored_with_every_reference(foodcap: Cli, tmp_path: Path) -> None:
    menu = write_menu(tmp_path / "menu")
    result = foodcap(
        "run",
        "--captioner",
        "dominant-colour",
        "--dataset",
        str(menu),
        "--split",
        "all",
        "--metrics",
        "exact-match",
        "--out",
        "run",
        "--num-workers",
        "0",
    )
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["cleaning_report"] == {
        "rows_read": 8,
        "kept": 5,
        "repaired": {},
        "skipped": {"duplicate id": 1, "missing image file": 1, "no caption": 1},
    }
    predictions = {
        p["id"]: p for p in map(json.loads, (tmp_path / "run" / "predictions.jsonl").read_text().splitlines())
    }
    assert predictions["tomato-soup.jpg"]["references"] == ["Tomato soup", "Red soup", "Soup of the day"]
    # "Red dish" vs "Red soup": no exact match; the colour captioner matches only where a name is "<colour> ...".
    assert predictions["lemon-cake.jpg"]["caption"] == "Yellow dish"
    plugins = json.loads(foodcap("plugins", "--json").stdout)
    assert {"name": "menu-photos", "kind": "dataset", "distribution": "foodcap-example-plugin"}.items() <= next(
        row for row in plugins if row["name"] == "menu-photos"
    ).items()


def test_exact_match_uses_every_reference(foodcap: Cli, tmp_path: Path) -> None:
    menu = write_menu(tmp_path / "menu")
    with (menu / "menu.csv").open("a", newline="") as file:
        csv.writer(file).writerow(["green.jpg", "Green salad", "Green dish"])
    Image.new("RGB", (40, 30), (60, 160, 60)).save(menu / "green.jpg")
    result = foodcap(
        "run",
        "--captioner",
        "dominant-colour",
        "--dataset",
        f"menu-photos:{menu}",
        "--split",
        "all",
        "--metrics",
        "exact-match",
        "--out",
        "run",
        "--num-workers",
        "0",
    )
    assert result.returncode == 0, result.stderr
    predictions = {
        p["id"]: p for p in map(json.loads, (tmp_path / "run" / "predictions.jsonl").read_text().splitlines())
    }
    assert predictions["green.jpg"]["caption"] == "Green dish"
    assert predictions["green.jpg"]["scores"]["exact-match"] == 1.0  # matched the second reference
    assert predictions["pea-soup.jpg"]["scores"]["exact-match"] == 0.0


def test_dataset_kind_errors_are_one_line_with_exit_code_2(foodcap: Cli, tmp_path: Path) -> None:
    (tmp_path / "odd").mkdir()
    line = one_line_error(foodcap("run", "--captioner", "dominant-colour", "--dataset", str(tmp_path / "odd")))
    assert "cannot tell which kind of dataset" in line
    assert "installed kinds: kaggle-food, coco, hf, imagefolder, webdataset, parquet, menu-photos" in line
    line = one_line_error(
        foodcap("run", "--captioner", "dominant-colour", "--dataset", "sample", "--dataset-kind", "lmdb")
    )
    assert "unknown dataset kind 'lmdb'" in line and "menu-photos" in line


def test_a_row_the_kind_cannot_parse_is_counted_under_its_own_reason(foodcap: Cli, tmp_path: Path) -> None:
    menu = write_menu(tmp_path / "menu")
    with (menu / "menu.csv").open("a", newline="") as file:
        csv.writer(file).writerow(["pea-soup.jpg", "Pea soup", "Green soup", "an extra field"])
    result = foodcap(
        "run",
        "--captioner",
        "dominant-colour",
        "--dataset",
        str(menu),
        "--split",
        "all",
        "--metrics",
        "exact-match",
        "--out",
        "run",
        "--num-workers",
        "0",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "run" / "run.json").read_text())["cleaning_report"]
    assert report["rows_read"] == 9 and report["kept"] == 5
    assert report["skipped"] == {
        "duplicate id": 1,
        "malformed menu.csv row": 1,
        "missing image file": 1,
        "no caption": 1,
    }
    assert "malformed menu.csv row" in result.stdout  # in the cleaning table every run prints
