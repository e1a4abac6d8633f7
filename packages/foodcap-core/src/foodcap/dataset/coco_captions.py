"""``coco``: a COCO captions JSON (``images`` + ``annotations``) or a Karpathy-split JSON, with an image root.

COCO: ``images[].file_name`` under the image root, every ``annotations[].caption`` of an image is a
reference. Karpathy (``dataset_coco.json``): ``images[].filepath/filename``, ``sentences[].raw`` as
references and its own ``split`` (``restval`` counts as train). The image root defaults to the
JSON's folder; set it with ``--image-root``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import FoodcapError
from .cleaning_report import CleaningReport
from .kinds import DatasetKind, DatasetOptions
from .recipe_dataset import RecipeDataset
from .records import DatasetRecord, caption_list, clean_records

MALFORMED_IMAGE = "malformed image entry"
ORPHAN_CAPTION = "caption of an unknown image_id ignored"
_PEEK_BYTES = 1 << 16


class CocoCaptions(DatasetKind):
    name = "coco"
    description = "COCO captions JSON (images + annotations) or the Karpathy split JSON; --image-root for images."

    @classmethod
    def detect(cls, location: Path) -> bool:
        if not (location.is_file() and location.suffix.lower() == ".json"):
            return False
        with location.open("rb") as file:
            head = file.read(_PEEK_BYTES)
        return b'"images"' in head or b'"annotations"' in head

    def root(self, location: str, options: DatasetOptions) -> Path:
        if options.image_root is not None:
            return options.image_root.expanduser().resolve()
        return Path(location).expanduser().resolve().parent

    def load(self, location: str, options: DatasetOptions) -> RecipeDataset:
        document = _read_json(Path(location).expanduser())
        report = CleaningReport()
        records = _karpathy(document, report) if _is_karpathy(document) else _coco(document, report)
        return clean_records(
            records,
            self.root(location, options),
            workers=options.workers,
            report=report,
            allow_outside_root=options.allow_outside_root,
        )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise FoodcapError(f"COCO captions file {path} does not exist") from error
    except (OSError, ValueError) as error:
        raise FoodcapError(f"{path} is not readable JSON: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("images"), list):
        raise FoodcapError(f"{path} is not a COCO captions file: it has no 'images' list")
    return document


def _is_karpathy(document: dict[str, Any]) -> bool:
    return "annotations" not in document and any(isinstance(i, dict) and "sentences" in i for i in document["images"])


def _malformed(report: CleaningReport) -> None:
    report.rows_read += 1
    report.kept += 1
    report.add_skip(MALFORMED_IMAGE)


def _coco(document: dict[str, Any], report: CleaningReport) -> Iterator[DatasetRecord]:
    annotations = document.get("annotations")
    if not isinstance(annotations, list):
        raise FoodcapError("the COCO captions file has no 'annotations' list")
    images = []
    for image in document["images"]:
        if not isinstance(image, dict) or "id" not in image:
            _malformed(report)
            continue
        images.append(image)
    captions: dict[str, list[str | None]] = {str(image["id"]): [] for image in images}
    for annotation in annotations:
        key = str(annotation.get("image_id")) if isinstance(annotation, dict) else None
        if key not in captions:
            report.add_repair(ORPHAN_CAPTION)
            continue
        captions[key].extend(caption_list(annotation.get("caption")))
    for image in images:
        yield DatasetRecord(str(image["id"]), image.get("file_name"), captions[str(image["id"])])


def _karpathy(document: dict[str, Any], report: CleaningReport) -> Iterator[DatasetRecord]:
    for image in document["images"]:
        if not isinstance(image, dict) or not isinstance(image.get("sentences", []), list):
            _malformed(report)
            continue
        image_id = image.get("cocoid", image.get("imgid"))
        name = image.get("filename")
        path = Path(str(image.get("filepath") or "")) / str(name) if name else None
        sentences = [s.get("raw") if isinstance(s, dict) else None for s in image.get("sentences", [])]
        yield DatasetRecord("" if image_id is None else str(image_id), path, sentences, split=image.get("split"))
