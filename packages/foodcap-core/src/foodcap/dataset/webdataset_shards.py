"""``webdataset``: tar shards as WebDataset and img2dataset write them (``data/{00000..00999}.tar``).

Files that share a key (the member's path up to its first dot) make one record: the image under
``jpg``/``jpeg``/``png``/``webp``, the caption in ``txt`` or captions in ``json`` (a list, or an object with
a caption field such as img2dataset's ``caption``; ``split`` and ``group`` fields are read too). The key
is the record's id. Shards are read with the standard library's ``tarfile``, one member at a time.
"""

from __future__ import annotations

import itertools
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
_BLOCK = tarfile.BLOCKSIZE
_PLAIN_TYPES = (tarfile.REGTYPE, tarfile.AREGTYPE)
_SKIPPED_TYPES = (tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE)

Member = tuple[str, int, bytes]  # name, offset of the data in the shard, data


class _Truncated(Exception):
    """The shard ends inside a member (``name``, when its header was read) or without its end marker."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name)
        self.name = name


class _Unusual(Exception):
    """A header the plain reader leaves to tarfile (long names, pax headers, base-256 sizes)."""


class WebDataset(ShardedDatasetKind):
    name = "webdataset"
    description = "WebDataset tar shards (img2dataset's output): KEY.jpg with KEY.txt or KEY.json; brace patterns."
    suffixes = (".tar",)

    @classmethod
    def detect(cls, location: Path) -> bool:
        return location.suffix == ".tar" or (location.is_dir() and any(location.glob("*.tar")))

    def read_shard(self, path: Path, options: DatasetOptions) -> Iterator[ShardRecord | ShardSkip]:
        try:
            with open(path, "rb") as file:
                if not _looks_like_tar(file):
                    yield ShardSkip(UNREADABLE_SHARD)
                    return
        except OSError:
            yield ShardSkip(UNREADABLE_SHARD)
            return
        given = 0
        try:
            for record in _records(_plain_members(path), str(path), options):
                yield record
                given += 1
        except _Unusual:  # read the shard again with tarfile, which reads every tar dialect, from where it stopped
            yield from itertools.islice(_records(_tarfile_members(path), str(path), options), given, None)


def _looks_like_tar(file: BinaryIO) -> bool:
    header = file.read(_BLOCK)
    return len(header) == _BLOCK and (not header.strip(b"\0") or _checksum_ok(header))


def _checksum_ok(header: bytes) -> bool:
    try:
        stored = int(header[148:156].replace(b"\0", b" ").strip() or b"0", 8)
    except ValueError:
        return False
    return stored == sum(header[:148]) + 8 * 32 + sum(header[156:])


def _plain_members(path: Path) -> Iterator[Member]:
    """The regular files of a ustar/GNU tar, read straight from the headers (several times faster than
    tarfile, which builds an object per member); anything unusual raises _Unusual before a record is lost."""
    with open(path, "rb", buffering=1 << 20) as file:
        offset = 0
        while True:
            header = file.read(_BLOCK)
            if len(header) < _BLOCK:
                raise _Truncated
            if not header.strip(b"\0"):
                if file.read(_BLOCK).strip(b"\0") or len(header) < _BLOCK:
                    raise _Truncated
                return
            if not _checksum_ok(header):
                raise _Truncated  # a header cut or overwritten: the rest of the shard cannot be trusted
            kind = header[156:157]
            if header[124] & 0x80 or kind not in (*_PLAIN_TYPES, *_SKIPPED_TYPES):
                raise _Unusual
            size = int(header[124:136].replace(b"\0", b" ").strip() or b"0", 8)
            raw = header[:100].split(b"\0", 1)[0]
            if header[257:262] == b"ustar" and header[345:500].strip(b"\0"):
                raw = header[345:500].split(b"\0", 1)[0] + b"/" + raw
            name = raw.decode("utf-8", "surrogateescape")
            data = file.read(size)
            if len(data) < size:
                raise _Truncated(name)
            file.seek(-size % _BLOCK, 1)
            if kind in _PLAIN_TYPES:
                yield name, offset + _BLOCK, data
            offset += _BLOCK + size + (-size % _BLOCK)


def _tarfile_members(path: Path) -> Iterator[Member]:
    with tarfile.open(path, mode="r:") as archive:
        file: BinaryIO = archive.fileobj  # type: ignore[assignment]
        while True:
            try:
                member = archive.next()
            except (tarfile.TarError, EOFError, OSError) as error:
                raise _Truncated from error
            if member is None:
                file.seek(archive.offset)
                end = file.read(2 * _BLOCK)
                if len(end) < 2 * _BLOCK or end.strip(b"\0"):
                    raise _Truncated
                return
            archive.members.clear()  # type: ignore[attr-defined]  # tarfile keeps every member it has read
            if member.isfile():
                file.seek(member.offset_data)
                data = file.read(member.size)
                if len(data) != member.size:
                    raise _Truncated(member.name)
                yield member.name, member.offset_data, data


def _key_and_extension(name: str) -> tuple[str, str]:
    folder, _, base = name.rpartition("/")
    stem, dot, extension = base.partition(".")
    return (f"{folder}/{stem}" if folder else stem), (extension.lower() if dot else "")


def _records(members: Iterator[Member], shard: str, options: DatasetOptions) -> Iterator[ShardRecord | ShardSkip]:
    """Members that share a key make one record, yielded once the next key starts (or the shard ends)."""
    key: str | None = None
    fields: dict[str, Member] = {}
    try:
        for name, offset, data in members:
            member_key, extension = _key_and_extension(name)
            if member_key != key:
                if key is not None:
                    yield _record(key, fields, shard, options)
                key, fields = member_key, {}
            fields[extension] = (name, offset, data)
    except _Truncated as cut:
        if key is not None and cut.name is not None and _key_and_extension(cut.name)[0] != key:
            yield _record(key, fields, shard, options)  # complete: the shard ends in the next record
        yield ShardSkip(TRUNCATED_TAR)  # the record being read when the shard ended, counted once
        return
    if key is not None:
        yield _record(key, fields, shard, options)


def _record(key: str, fields: dict[str, Member], shard: str, options: DatasetOptions) -> ShardRecord:
    image = None
    for extension in (options.image_column,) if options.image_column else IMAGE_EXTENSIONS:
        if extension in fields:
            name, offset, data = fields[extension]
            image = ShardImage(shard, name, offset, len(data), data)
            break
    about = _json(fields["json"][2]) if "json" in fields else None
    captions: list[str | None] = []
    column = options.caption_column
    if column and column in fields:
        captions = [_text(fields[column][2])]
    elif "txt" in fields and not column:
        captions = [_text(fields["txt"][2])]
    elif isinstance(about, list):
        captions = caption_list(about)
    elif isinstance(about, dict):
        field = column or next((c for c in CAPTION_COLUMNS if c in about), None)
        captions = caption_list(about.get(field)) if field else []
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
