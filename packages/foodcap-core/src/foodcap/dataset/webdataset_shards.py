"""``webdataset``: tar shards as WebDataset and img2dataset write them (``data/{00000..00999}.tar``).

Files that share a key (the member's path up to its first dot) make one record: the image under
``jpg``/``jpeg``/``png``/``webp``, the caption in ``txt`` or captions in ``json`` (a list, or an object with
a caption field such as img2dataset's ``caption``; ``split`` and ``group`` fields are read too). The key
is the record's id. Shards are read with the standard library's ``tarfile``, one member at a time.
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from .image_folder import CAPTION_COLUMNS
from .kinds import DatasetOptions
from .records import caption_list
from .shard_images import ShardImage
from .sharded import UNREADABLE_SHARD, ShardedDatasetKind, ShardRecord, ShardSkip

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
TRUNCATED_TAR = "truncated tar"


class WebDataset(ShardedDatasetKind):
    name = "webdataset"
    description = "WebDataset tar shards (img2dataset's output): KEY.jpg with KEY.txt or KEY.json; brace patterns."
    suffixes = (".tar",)

    @classmethod
    def detect(cls, location: Path) -> bool:
        return location.suffix == ".tar" or (location.is_dir() and any(location.glob("*.tar")))

    def read_shard(self, path: Path, options: DatasetOptions) -> Iterator[ShardRecord | ShardSkip]:
        try:
            archive = tarfile.open(path, mode="r:")
        except (OSError, tarfile.TarError):
            yield ShardSkip(UNREADABLE_SHARD)
            return
        with archive:
            yield from _records(archive, str(path), options)


def _records(archive: tarfile.TarFile, shard: str, options: DatasetOptions) -> Iterator[ShardRecord | ShardSkip]:
    key: str | None = None
    fields: dict[str, tuple[tarfile.TarInfo, bytes]] = {}
    file: BinaryIO = archive.fileobj  # type: ignore[assignment]
    while True:
        try:
            member = archive.next()
        except (tarfile.TarError, EOFError, OSError):
            member = None
        if member is None:
            if not _ends_whole(file, archive.offset):
                yield ShardSkip(TRUNCATED_TAR)  # the record being read when the shard ended, counted once
                return
            break
        archive.members.clear()  # tarfile keeps every member it has read; a shard may hold many
        if not member.isfile():
            continue
        folder, _, name = member.name.rpartition("/")
        stem, dot, extension = name.partition(".")
        member_key = f"{folder}/{stem}" if folder else stem
        if member_key != key:
            if key is not None:
                yield _record(key, fields, shard, options)
            key, fields = member_key, {}
        file.seek(member.offset_data)
        data = file.read(member.size)
        if len(data) != member.size:
            yield ShardSkip(TRUNCATED_TAR)  # the record being read when the shard ended, counted once
            return
        fields[extension.lower() if dot else ""] = (member, data)
    if key is not None:
        yield _record(key, fields, shard, options)


def _ends_whole(file: BinaryIO, offset: int) -> bool:
    """Whether the archive ends with its end-of-archive marker (two zero blocks), i.e. was not cut short."""
    file.seek(offset)
    end = file.read(2 * tarfile.BLOCKSIZE)
    return len(end) == 2 * tarfile.BLOCKSIZE and not end.strip(b"\0")


def _record(
    key: str, fields: dict[str, tuple[tarfile.TarInfo, bytes]], shard: str, options: DatasetOptions
) -> ShardRecord:
    image = None
    for extension in (options.image_column,) if options.image_column else IMAGE_EXTENSIONS:
        if extension in fields:
            member, data = fields[extension]
            image = ShardImage(shard, member.name, member.offset_data, member.size, data)
            break
    about = _json(fields["json"][1]) if "json" in fields else None
    captions: list[str | None] = []
    column = options.caption_column
    if column and column in fields:
        captions = [_text(fields[column][1])]
    elif "txt" in fields and not column:
        captions = [_text(fields["txt"][1])]
    elif isinstance(about, list):
        captions = caption_list(about)
    elif isinstance(about, dict):
        name = column or next((c for c in CAPTION_COLUMNS if c in about), None)
        captions = caption_list(about.get(name)) if name else []
    fields_of = about if isinstance(about, dict) else {}
    return ShardRecord(key, image, captions, _optional(fields_of.get("group")), _optional(fields_of.get("split")))


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _optional(value: object) -> str | None:
    return str(value) if value is not None and str(value).strip() else None
