"""Loading a Kaggle-layout folder: every cleaning decision counted, no valid row lost."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PIL import Image

from foodcap.dataset import load_kaggle_dataset
from foodcap.errors import FoodcapError

CSV_NAME = "Food Ingredients and Recipe Dataset with Image Name Mapping.csv"
HEADER = ["", "Title", "Ingredients", "Instructions", "Image_Name", "Cleaned_Ingredients"]


def image_bytes(mode: str = "RGB", image_format: str = "JPEG", colour: int | tuple[int, ...] | None = None) -> bytes:
    image = Image.new(mode, (16, 12), colour if colour is not None else (200, 40, 30)[: len(mode)])
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def write_folder(root: Path, rows: list[tuple[str, str, str]], files: dict[str, bytes], nested: bool = True) -> Path:
    """A Kaggle-layout folder: ``rows`` are (id, Title, Image_Name); ``files`` go in the images folder."""
    images = root / "Food Images" / "Food Images" if nested else root / "Food Images"
    images.mkdir(parents=True)
    for name, content in files.items():
        (images / name).write_bytes(content)
    with open(root / CSV_NAME, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(HEADER)
        for row_id, title, image_name in rows:
            writer.writerow([row_id, title, "['1 cup flour']", 'Mix.\nBake, "hot".\n', image_name, "['flour']"])
    return images


JPEG = image_bytes()
VALID = {  # id -> (raw title, Image_Name, cleaned title, file written)
    "0": ("Tomato Soup", "tomato-soup", "Tomato Soup", "tomato-soup.jpg"),
    "1": ("Crème Brûlée with Jalapeño", "creme-brulee", "Crème Brûlée with Jalapeño", "creme-brulee.jpg"),
    "2": ("  Spinach\tSalad \x1b with\u200b Feta\n", "spinach-salad", "Spinach Salad with Feta", "spinach-salad.jpg"),
    "3": (
        '"Bloody Mary" Tomato Toast with Celery and Horseradish',
        "#NAME?",
        '"Bloody Mary" Tomato Toast with Celery and Horseradish',
        "-bloody-mary-tomato-toast-with-celery-and-horseradish-56389813.jpg",
    ),
    "4": ("Grey Tart", "grey-tart", "Grey Tart", "grey-tart.jpg"),
    "5": ("Cmyk Cake", "cmyk-cake", "Cmyk Cake", "cmyk-cake.jpg"),
    "6": ("Palette Pizza", "palette-pizza", "Palette Pizza", "palette-pizza.jpg"),
    "7": ("Clear Consommé", "clear-consomme", "Clear Consommé", "clear-consomme.jpg"),
    "8": ("Tomato Soup", "tomato-soup-2", "Tomato Soup", "tomato-soup-2.jpg"),  # same title again: kept
    "9": ("Padded Pie", "padded-pie", "Padded Pie", "padded-pie.jpg"),
    "10": ("Named With Suffix", "named-with-suffix.jpg", "Named With Suffix", "named-with-suffix.jpg"),
}
SKIPPED = {  # id -> (raw title, Image_Name, reason)
    "20": ("", "no-title", "empty title"),
    "21": ("nan", "nan-title", "empty title"),
    "22": (" \t\n ", "blank-title", "empty title"),
    "23": ("Nameless Stew", "", "empty image name"),
    "24": ("Lost Stew", "nan", "empty image name"),
    "25": ('"Secret" Lemon Cake', "#NAME?", "unrecoverable #NAME? image name"),
    "26": ("Missing Muffin", "missing-muffin", "missing image file"),
    "27": ("Folder Flan", "folder-flan", "missing image file"),  # a directory, not a file
    "28": ("Empty Eclair", "empty-eclair", "empty image file"),
    "29": ("Cut Cookie", "cut-cookie", "truncated image"),
    "30": ("Cut Crumble", "cut-crumble", "truncated image"),
    "31": ("Html Hash", "html-hash", "not an image"),
    "": ("Idless Idli", "tomato-soup", "empty id"),
    "0 ": ("Second Zero", "tomato-soup", "duplicate id"),
}


def dirty_files() -> dict[str, bytes]:
    png = image_bytes(image_format="PNG")
    return {
        **{file_name: JPEG for _, _, _, file_name in VALID.values()},
        "grey-tart.jpg": image_bytes("L", colour=90),
        "cmyk-cake.jpg": image_bytes("CMYK", colour=(10, 200, 30, 0)),
        "palette-pizza.jpg": image_bytes("P", "PNG", colour=3),
        "clear-consomme.jpg": image_bytes("RGBA", "PNG", colour=(10, 20, 30, 0)),
        "padded-pie.jpg": JPEG + b"\x00" * 100,  # bytes after the end marker decode fine
        "empty-eclair.jpg": b"",
        "cut-cookie.jpg": JPEG[: len(JPEG) * 2 // 3],
        "cut-crumble.jpg": png[: len(png) - 12],
        "html-hash.jpg": b"<html><body>404 Not Found</body></html>",
        "-unreferenced-dish-1.jpg": JPEG,  # a dash name nobody asks for
    }


@pytest.fixture
def dirty_folder(tmp_path: Path) -> Path:
    rows = [(i, title, name) for i, (title, name, _, _) in VALID.items()]
    rows += [(i, title, name) for i, (title, name, _) in SKIPPED.items()]
    images = write_folder(tmp_path, rows, dirty_files())
    (images / "folder-flan.jpg").mkdir()
    return tmp_path


def test_dirty_folder_keeps_every_valid_row_and_counts_every_skip(dirty_folder: Path) -> None:
    dataset = load_kaggle_dataset(dirty_folder)
    report = dataset.report
    images = (dirty_folder / "Food Images" / "Food Images").resolve()

    assert {s.id: (s.title, s.image) for s in dataset.samples} == {
        i: (title, images / file_name) for i, (_, _, title, file_name) in VALID.items()
    }
    assert [s.id for s in dataset.samples] == list(VALID)  # CSV order
    assert report.rows_read == len(VALID) + len(SKIPPED)
    assert report.kept == len(VALID) == len(dataset)
    assert report.skipped == {
        "empty title": 3,
        "empty image name": 2,
        "unrecoverable #NAME? image name": 1,
        "missing image file": 2,
        "empty image file": 1,
        "truncated image": 2,
        "not an image": 1,
        "empty id": 1,
        "duplicate id": 1,
    }
    assert report.repaired == {"title whitespace/control chars cleaned": 1, "#NAME? image name recovered": 1}
    assert report.rows_read == report.kept + sum(report.skipped.values())
    assert all(sample.image.is_absolute() and sample.image.is_file() for sample in dataset.samples)


def test_threaded_and_serial_checks_agree(dirty_folder: Path) -> None:
    threaded, serial = load_kaggle_dataset(dirty_folder, workers=4), load_kaggle_dataset(dirty_folder)
    assert threaded.samples == serial.samples
    assert threaded.report == serial.report


def test_name_recovery_hands_each_file_to_one_row(tmp_path: Path) -> None:
    files = {
        "-fire-chili-12.jpg": JPEG,
        "-fire-chili-3.jpg": JPEG,
        "-fire-chili-7.jpg": JPEG,  # referenced by a healthy row: never handed out
        "-top-10-cookies.jpg": JPEG,  # no number suffix; the title itself ends in digits
    }
    rows = [
        ("0", '"Fire" Chili', "#NAME?"),
        ("1", "'Fire' chili!", "#NAME?"),
        ("2", '"Fire" Chili', "-fire-chili-7"),
        ("3", '"Fire" Chili', "#NAME?"),
        ("4", '"Top 10" Cookies', "#NAME?"),
    ]
    write_folder(tmp_path, rows, files)
    dataset = load_kaggle_dataset(tmp_path)
    assert {s.id: s.image.name for s in dataset.samples} == {
        "0": "-fire-chili-3.jpg",  # ascending number order
        "1": "-fire-chili-12.jpg",
        "2": "-fire-chili-7.jpg",
        "4": "-top-10-cookies.jpg",
    }
    assert dataset.report.skipped == {"unrecoverable #NAME? image name": 1}
    assert dataset.report.repaired == {"#NAME? image name recovered": 3}


@pytest.mark.parametrize("nested", [True, False])
def test_nested_and_flat_image_folders(tmp_path: Path, nested: bool) -> None:
    images = write_folder(tmp_path, [("0", "Tomato Soup", "tomato-soup")], {"tomato-soup.jpg": JPEG}, nested=nested)
    dataset = load_kaggle_dataset(str(tmp_path))
    assert [(s.id, s.image) for s in dataset.samples] == [("0", images.resolve() / "tomato-soup.jpg")]


def test_csv_without_index_column_numbers_rows_like_pandas(tmp_path: Path) -> None:
    (tmp_path / "Food Images").mkdir()
    for name in ("a", "b"):
        (tmp_path / "Food Images" / f"{name}.jpg").write_bytes(JPEG)
    (tmp_path / "recipes.csv").write_text("Title,Image_Name\nA Dish,a\n\nB Dish,b\n", encoding="utf-8")
    dataset = load_kaggle_dataset(tmp_path)
    assert [(s.id, s.title) for s in dataset.samples] == [("0", "A Dish"), ("1", "B Dish")]


def test_folder_problems_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(FoodcapError, match="does not exist"):
        load_kaggle_dataset(tmp_path / "nowhere")
    (tmp_path / "Food Images").mkdir()
    with pytest.raises(FoodcapError, match="found no CSV file"):
        load_kaggle_dataset(tmp_path)
    (tmp_path / "a.csv").write_text("Title,Image_Name\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("Title,Image_Name\n", encoding="utf-8")
    with pytest.raises(FoodcapError, match="found 2 CSV files"):
        load_kaggle_dataset(tmp_path)
    (tmp_path / "b.csv").unlink()
    (tmp_path / "a.csv").write_text(",Title,Picture\n0,Soup,soup\n", encoding="utf-8")
    with pytest.raises(FoodcapError, match="lacks column\\(s\\) Image_Name") as error:
        load_kaggle_dataset(tmp_path)
    assert "\n" not in str(error.value)
    (tmp_path / "a.csv").write_bytes(",Title,Image_Name\n0,Cr\xe8me,x\n".encode("latin-1"))
    with pytest.raises(FoodcapError, match="not UTF-8"):
        load_kaggle_dataset(tmp_path)


def test_missing_images_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / CSV_NAME).write_text(",Title,Image_Name\n", encoding="utf-8")
    with pytest.raises(FoodcapError, match="no images folder"):
        load_kaggle_dataset(tmp_path)


def test_select_returns_samples_in_manifest_order_and_rejects_strangers(dirty_folder: Path) -> None:
    dataset = load_kaggle_dataset(dirty_folder)
    assert [s.id for s in dataset.select(["3", "0"])] == ["3", "0"]
    with pytest.raises(FoodcapError, match="1 sample id\\(s\\).*\\(25\\)"):
        dataset.select(["0", "25"])
