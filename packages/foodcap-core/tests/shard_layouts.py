"""Small generated WebDataset shards and parquet files for the sharded dataset kinds' tests."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from conftest import COLOURS

TITLES = list(COLOURS)


def jpeg(index: int) -> bytes:
    """A tiny JPEG whose colour says which title it shows (the fake captioner classifies colours)."""
    title = TITLES[index % len(TITLES)]
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), COLOURS[title]).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def caption(index: int) -> str:
    return f"{TITLES[index % len(TITLES)]} {index}"


def add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def write_tar(path: Path, indices: Iterable[int], json_captions: bool = False) -> Path:
    """One WebDataset shard: KEY.jpg with KEY.txt (or KEY.json holding {"caption": ...})."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as archive:
        for index in indices:
            key = f"{index:06d}"
            add(archive, f"{key}.jpg", jpeg(index))
            if json_captions:
                add(archive, f"{key}.json", json.dumps({"caption": caption(index), "key": key}).encode())
            else:
                add(archive, f"{key}.txt", caption(index).encode())
    return path


def write_shards(root: Path, shards: int, per_shard: int) -> str:
    """``shards`` tar files of ``per_shard`` records each; returns the brace pattern naming them."""
    for shard in range(shards):
        write_tar(
            root / f"{shard:05d}.tar", range(shard * per_shard, (shard + 1) * per_shard), json_captions=shard % 2 == 1
        )
    return str(root / f"{{00000..{shards - 1:05d}}}.tar")


def write_parquet(path: Path, indices: Iterable[int], **columns: list[object]) -> Path:
    """img2dataset's parquet layout: key, jpg (bytes), caption, plus any extra columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    chosen = list(indices)
    table = {
        "key": [f"{i:06d}" for i in chosen],
        "jpg": [jpeg(i) for i in chosen],
        "caption": [caption(i) for i in chosen],
        **columns,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(table), path)
    return path
