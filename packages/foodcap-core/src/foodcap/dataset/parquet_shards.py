"""``parquet``: one or many parquet files (img2dataset's parquet output, or any table of images and captions).

The image column holds the image's bytes (``binary``; img2dataset's ``jpg``), an Image struct
(``{bytes, path}``, as Hugging Face datasets write it) or a path relative to the file; the caption
column one caption or a list. ``key``/``id`` give the id (else ``FILE/ROW``); ``split`` and ``group``
columns are read when present. Read with pyarrow one record batch at a time (``foodcap-core[parquet]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import FoodcapError
from .image_folder import CAPTION_COLUMNS
from .kinds import DatasetOptions
from .records import caption_list
from .shard_images import ShardImage
from .sharded import UNREADABLE_SHARD, ShardedDatasetKind, ShardRecord, ShardSkip

IMAGE_COLUMNS = ("jpg", "jpeg", "png", "webp", "image", "img", "image_bytes", "image_path", "file_name")
ID_COLUMNS = ("key", "id", "image_id")
BATCH_ROWS = 1024


def missing_column(what: str) -> str:
    return f"parquet file without a {what} column"


class ParquetShards(ShardedDatasetKind):
    name = "parquet"
    description = (
        "Parquet files of image bytes or paths plus captions (img2dataset's parquet output); foodcap-core[parquet]."
    )
    suffixes = (".parquet",)

    @classmethod
    def detect(cls, location: Path) -> bool:
        return location.suffix == ".parquet" or (location.is_dir() and any(location.glob("*.parquet")))

    def read_shard(self, path: Path, options: DatasetOptions) -> Iterator[ShardRecord | ShardSkip]:
        parquet = pyarrow_parquet()
        try:
            table = parquet.ParquetFile(path)
        except (OSError, ValueError):  # ArrowInvalid is a ValueError
            yield ShardSkip(UNREADABLE_SHARD)
            return
        columns = table.schema_arrow.names
        image = options.image_column or next((c for c in IMAGE_COLUMNS if c in columns), None)
        caption = options.caption_column or next((c for c in (*CAPTION_COLUMNS, "txt") if c in columns), None)
        for what, name in (("image", image), ("caption", caption)):
            if name is None or name not in columns:
                yield ShardSkip(missing_column(what), table.metadata.num_rows)
                return
        wanted = [c for c in (image, caption, *ID_COLUMNS, "split", "group") if c in columns]
        key_column = next((c for c in ID_COLUMNS if c in columns), None)
        row = 0
        try:
            for batch in table.iter_batches(batch_size=BATCH_ROWS, columns=list(dict.fromkeys(wanted))):
                for values in batch.to_pylist():
                    key = (
                        str(values[key_column])
                        if key_column and values[key_column] is not None
                        else f"{path.stem}/{row}"
                    )
                    yield ShardRecord(
                        key,
                        _image(values[image], path, row),
                        caption_list(values[caption]),
                        _optional(values.get("group")),
                        _optional(values.get("split")),
                    )
                    row += 1
        except (OSError, ValueError):
            yield ShardSkip(UNREADABLE_SHARD)  # the rest of a file that breaks part-way


def pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet
    except ImportError as error:
        raise FoodcapError("the parquet dataset kind needs pyarrow: pip install 'foodcap-core[parquet]'") from error
    return pyarrow.parquet


def _image(value: object, path: Path, row: int) -> ShardImage | None:
    if isinstance(value, dict):  # an Image struct: its bytes, else its path
        value = value.get("bytes") or value.get("path")
    if isinstance(value, (bytes, bytearray)) and value:
        return ShardImage(str(path), f"row {row}", data=bytes(value))
    if isinstance(value, str) and value.strip():
        file = Path(value).expanduser()
        file = file if file.is_absolute() else path.parent / file
        try:
            return ShardImage(str(file), "", size=file.stat().st_size, data=file.read_bytes())
        except OSError:
            return ShardImage(str(file), "", data=b"")  # counted as an empty image file
    return None


def _optional(value: object) -> str | None:
    return str(value) if value is not None and str(value).strip() else None
