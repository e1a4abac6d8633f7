"""``hf``: a Hugging Face dataset saved with ``save_to_disk``, a data file (parquet, JSON lines, CSV,
arrow) or whatever ``datasets.load_dataset(location)`` reads (a folder of data files, a hub name).

Needs the ``datasets`` package: ``pip install 'foodcap-core[hf]'``. A DatasetDict's splits become
the dataset's own split. Images stored inside the dataset (bytes, not paths) are written once to
a cache folder keyed by the dataset's fingerprint (``$FOODCAP_CACHE``, default
``~/.cache/foodcap``), so DataLoader workers and reports read plain files as for every other kind.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import FoodcapError
from .image_folder import CAPTION_COLUMNS
from .kinds import DatasetKind, DatasetOptions
from .recipe_dataset import RecipeDataset
from .records import DatasetRecord, caption_list, clean_records, merge_rows

ID_COLUMNS = ("id", "image_id", "cocoid")
IMAGE_COLUMNS = ("image", "img", "image_path", "file_name")
# A single data file is read with the builder its suffix names (``load_dataset("parquet", data_files=...)``).
DATA_FILE_BUILDERS = {".parquet": "parquet", ".jsonl": "json", ".json": "json", ".csv": "csv", ".arrow": "arrow"}


class HfDataset(DatasetKind):
    name = "hf"
    description = "A Hugging Face dataset (save_to_disk folder, or load_dataset arguments); needs foodcap-core[hf]."

    @classmethod
    def detect(cls, location: Path) -> bool:
        return location.is_dir() and ((location / "dataset_dict.json").is_file() or (location / "state.json").is_file())

    def load(self, location: str, options: DatasetOptions) -> RecipeDataset:
        splits = _open(location)
        root = self.root(location, options) if Path(location).expanduser().exists() else cache_root()
        rows = [row for split, table in splits.items() for row in _rows(table, split, options)]
        # Images stored inside the dataset are written to the cache: inside the dataset, in effect.
        return clean_records(
            merge_rows(rows),
            root,
            workers=options.workers,
            allow_outside_root=options.allow_outside_root,
            extra_roots=[cache_root() / "hf-images"],
        )


def cache_root() -> Path:
    return Path(os.environ.get("FOODCAP_CACHE", Path.home() / ".cache" / "foodcap")).expanduser()


def _open(location: str) -> dict[str | None, Any]:
    """{split name (None for a lone Dataset): Dataset}."""
    try:
        import datasets
    except ImportError as error:
        raise FoodcapError("the hf dataset kind needs the datasets package: pip install 'foodcap-core[hf]'") from error
    path = Path(location).expanduser()
    try:
        if HfDataset.detect(path):
            loaded = datasets.load_from_disk(str(path))
        elif path.is_file() and path.suffix.lower() in DATA_FILE_BUILDERS:
            loaded = datasets.load_dataset(DATA_FILE_BUILDERS[path.suffix.lower()], data_files=str(path))
        else:
            loaded = datasets.load_dataset(location)
    except (FileNotFoundError, ValueError, OSError, ConnectionError) as error:
        raise FoodcapError(f"datasets could not load {location!r}: {error}") from error
    if isinstance(loaded, datasets.DatasetDict):
        return dict(loaded.items())
    return {None: loaded}


def _rows(table: Any, split: str | None, options: DatasetOptions) -> Iterator[DatasetRecord]:
    import datasets

    features = table.features
    image_column = options.image_column or _image_column(features)
    caption_column = options.caption_column or _first_present(CAPTION_COLUMNS, features, "caption")
    id_column = next((name for name in ID_COLUMNS if name in features), None)
    stored = isinstance(features[image_column], datasets.Image)
    if stored:
        table = table.cast_column(image_column, datasets.Image(decode=False))
    cache = cache_root() / "hf-images" / str(getattr(table, "_fingerprint", "unknown"))
    prefix = f"{split}/" if split else ""
    for index, row in enumerate(table):
        value = row[image_column]
        image = _stored_image(value, cache / f"{prefix}{index}") if stored else value
        key = f"{prefix}{row[id_column]}" if id_column else f"{prefix}{index}"
        yield DatasetRecord(key, image, caption_list(row.get(caption_column)), split=split)


def _image_column(features: Any) -> str:
    import datasets

    for name, feature in features.items():
        if isinstance(feature, datasets.Image):
            return name
    return _first_present(IMAGE_COLUMNS, features, "image")


def _first_present(candidates: tuple[str, ...], features: Any, what: str) -> str:
    for name in candidates:
        if name in features:
            return name
    raise FoodcapError(
        f"the dataset has no {what} column ({', '.join(candidates)}); name it with "
        f"--{what}-column (columns: {', '.join(features)})"
    )


def _stored_image(value: dict[str, Any] | None, stem: Path) -> Path | None:
    """A plain file for an Image value: its own path when that file exists, else its bytes written once."""
    if not value:
        return None
    if value.get("path") and not value.get("bytes") and Path(value["path"]).is_file():
        return Path(value["path"])
    data = value.get("bytes")
    if not data:
        return None
    target = stem.with_name(f"{stem.name}-{hashlib.sha256(data).hexdigest()[:12]}{_suffix(data)}")
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(target.suffix + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)
    return target


def _suffix(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data.startswith(b"\x89PNG"):
        return ".png"
    return ".img"
