"""Generated dataset folders of every built-in kind, dirty rows included, with the report each must give."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from PIL import Image


def jpeg_bytes(rgb: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, rgb).save(buffer, format="JPEG")
    return buffer.getvalue()


def write_image(path: Path, rgb: tuple[int, int, int] = (200, 40, 40)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg_bytes(rgb))


def write_truncated(path: Path) -> None:
    data = jpeg_bytes((10, 200, 10), (64, 64))
    path.write_bytes(data[: len(data) // 2])


def write_not_an_image(path: Path) -> None:
    path.write_text("this is a recipe, not a photo\n")


# --- imagefolder ---------------------------------------------------------------------------------
IMAGEFOLDER_REPORT = {
    "rows_read": 11,
    "kept": 5,
    "skipped": {
        "missing image file": 1,
        "no caption": 1,
        "no image given": 1,
        "not an image": 1,
        "truncated image": 1,
        "unreadable metadata row": 1,
    },
    "repaired": {"caption whitespace/control chars cleaned": 1, "empty caption dropped (others kept)": 1},
}
IMAGEFOLDER_REFERENCES = {
    "a.jpg": ("Tomato soup", "Red soup in a bowl"),
    "b.jpg": ("Pea soup", "Green soup"),
    "g.jpg": ("Lemon cake",),
    "h.jpg": ("Blueberry tart",),
    "i.jpg": ("Rice pudding", "Creamy rice", "Rice dessert"),
}


def write_imagefolder(root: Path, csv_format: bool = False) -> Path:
    """Nine images named in the metadata (five usable) plus a broken line and a row without file_name."""
    for name in ("a", "b", "c", "g", "h", "i"):
        write_image(root / f"{name}.jpg")
    write_truncated(root / "e.jpg")
    write_not_an_image(root / "f.jpg")
    rows: list[dict[str, Any]] = [
        {"file_name": "a.jpg", "caption": "Tomato soup"},
        {"file_name": "b.jpg", "caption": ["Pea soup", "Green soup", "  "]},
        {"file_name": "c.jpg", "caption": ""},
        {"file_name": "d.jpg", "caption": "Missing dish"},
        {"file_name": "e.jpg", "caption": "Truncated dish"},
        {"file_name": "f.jpg", "caption": "Text file dish"},
        {"file_name": "a.jpg", "caption": "Red soup in a bowl"},
        {"file_name": "g.jpg", "caption": "Lemon\t cake"},
        {"caption": "A row without file_name"},
        {"file_name": "h.jpg", "caption": "Blueberry tart"},
        {"file_name": "i.jpg", "caption": ["Rice pudding", "Creamy rice"]},
        {"file_name": "i.jpg", "caption": "Rice dessert"},
    ]
    if not csv_format:
        lines = [json.dumps(row) for row in rows]
        lines.insert(4, "{this is not json")
        (root / "metadata.jsonl").write_text("\n".join(lines) + "\n")
        return root
    # CSV: several captions only as repeated rows; the broken line becomes a row with no file name.
    import csv

    with (root / "metadata.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["file_name", "caption"])
        for row in rows:
            captions = row["caption"] if isinstance(row["caption"], list) else [row["caption"]]
            for caption in captions:
                writer.writerow([row.get("file_name", ""), caption])
    return root


# --- coco -----------------------------------------------------------------------------------------
COCO_REPORT = {
    "rows_read": 8,
    "kept": 4,
    "skipped": {"duplicate id": 1, "malformed image entry": 1, "missing image file": 1, "no caption": 1},
    "repaired": {"caption of an unknown image_id ignored": 1, "empty caption dropped (others kept)": 1},
}


def five_captions(image_id: int) -> list[str]:
    dishes = ["soup", "cake", "salad", "tart", "pasta", "pizza"]
    dish = dishes[image_id % len(dishes)]
    return [
        f"a bowl of {dish}",
        f"{dish} on a white plate",
        f"home made {dish}",
        f"a close up of {dish}",
        f"fresh {dish} served warm",
    ]


def write_coco(root: Path) -> Path:
    """captions.json with images/: 1, 2, 3 (listed twice) and 6 usable, five captions each."""
    images_dir = root / "images"
    for image_id in (1, 2, 3, 5, 6):
        write_image(images_dir / f"{image_id:012d}.jpg", (30 * image_id, 80, 120))
    images: list[Any] = [{"id": i, "file_name": f"images/{i:012d}.jpg"} for i in (1, 2, 3, 4, 5, 6)]
    images.insert(3, {"id": 3, "file_name": "images/000000000003.jpg"})
    images.append("not an image entry")
    annotations = [
        {"id": 100 * i + k, "image_id": i, "caption": c} for i in (1, 2, 3, 4) for k, c in enumerate(five_captions(i))
    ]
    annotations += [
        {"id": 601, "image_id": 6, "caption": ""},
        {"id": 602, "image_id": 6, "caption": "A cake"},
        {"id": 999, "image_id": 99, "caption": "caption of nothing"},
    ]
    path = root / "captions.json"
    root.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"info": {}, "images": images, "annotations": annotations}))
    return path


def write_karpathy(root: Path) -> Path:
    """dataset_coco.json: eight images over train, restval, val and test, five sentences each."""
    splits = ["train", "restval", "train", "val", "test", "test", "restval", "val"]
    images = []
    for index, split in enumerate(splits):
        folder = "train2014" if split in ("train", "restval") else "val2014"
        name = f"COCO_{folder}_{index:012d}.jpg"
        write_image(root / folder / name, (20 * index, 100, 100))
        images.append(
            {
                "filepath": folder,
                "filename": name,
                "imgid": index,
                "cocoid": 1000 + index,
                "split": split,
                "sentences": [{"raw": c, "tokens": c.split()} for c in five_captions(index)],
            }
        )
    path = root / "dataset_coco.json"
    path.write_text(json.dumps({"images": images, "dataset": "coco"}))
    return path
