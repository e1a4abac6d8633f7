"""Per-process prediction files: every captioning process appends only to its own part of the run.

``parts/NAME.jsonl`` holds one record per finished image (a caption, or the reason its image
could not be decoded), appended and fsynced batch by batch; ``parts/NAME.json`` says who wrote it
and, once the process is through its share, ``"status": "done"`` with its counts and speed.
NAME is ``launch-<id>-rank-<r>-of-<n>`` for the ranks of one launch (a plain run is rank 0 of 1)
or ``shard-<i>-of-<n>`` for a ``--shard i/n`` job. Parts are never rewritten, so whatever the
world size or shard count of a later resume, the union of all parts is everything ever finished.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import FoodcapError
from ..launch import Launch, Shard
from .folder import PARTS, append_records, read_json, write_json

_NAME = re.compile(r"(launch-(?P<launch>[\w-]+?)-rank-(?P<rank>\d+)|shard-(?P<shard>\d+))-of-(?P<count>\d+)")


def new_launch_id() -> str:
    """Unique per launch, sortable by start time."""
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def part_name(launch: Launch, launch_id: str, shard: Shard) -> str:
    if not shard.whole:
        return f"shard-{shard.index}-of-{shard.count}"
    return f"launch-{launch_id}-rank-{launch.rank}-of-{launch.world_size}"


@dataclass(frozen=True)
class PartInfo:
    """What a part's file name says about it."""

    name: str
    launch_id: str | None
    rank: int | None
    shard: Shard | None

    @classmethod
    def parse(cls, name: str) -> PartInfo | None:
        match = _NAME.fullmatch(name)
        if not match:
            return None
        count = int(match["count"])
        if match["shard"] is not None:
            return cls(name, None, None, Shard(int(match["shard"]), count))
        return cls(name, match["launch"], int(match["rank"]), None)


class PartWriter:
    """Appends one process's records under an exclusive lock, so a double launch is refused."""

    def __init__(self, folder: Path, name: str, about: dict[str, Any]) -> None:
        self.folder = folder / PARTS
        self.folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.path = self.folder / f"{name}.jsonl"
        self.file = self.path.open("a+b")  # O_APPEND: every write lands at the end
        try:
            fcntl.flock(self.file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            raise FoodcapError(
                f"{name} of {folder} is being written by another process right now "
                "(launched twice?); wait for it or stop it first"
            ) from None
        self._drop_torn_tail()
        self.about = {"name": name, "host": socket.gethostname(), "pid": os.getpid(), **about}
        self.status("running")

    def _drop_torn_tail(self) -> None:
        """A killed process may leave half a line; cut it so appends start on a fresh line."""
        self.file.seek(0)
        raw = self.file.read()
        if raw and not raw.endswith(b"\n"):
            self.file.truncate(raw.rfind(b"\n") + 1)

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        append_records(self.file.fileno(), records, self.path)

    def status(self, status: str, **stats: Any) -> None:
        write_json(self.folder / f"{self.name}.json", {**self.about, "status": status, **stats})

    def close(self) -> None:
        self.file.close()  # releases the lock

    def __enter__(self) -> PartWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def part_status(folder: Path, name: str) -> dict[str, Any]:
    return read_json(folder / PARTS / f"{name}.json") or {"name": name, "status": "unknown"}


class PartsProgress:
    """Records landing in a launch's parts (rank 0's combined progress bar). Each poll reads only the
    bytes appended since the last, so polling after every batch stays cheap however long the run."""

    def __init__(self, paths: list[Path]) -> None:
        self.offsets = dict.fromkeys(paths, 0)
        self.lines = 0
        self.start = self._poll()  # a rejoined shard has earlier records

    def _poll(self) -> int:
        for path, offset in self.offsets.items():
            try:
                with path.open("rb") as file:
                    file.seek(offset)
                    new = file.read()
            except FileNotFoundError:
                continue
            self.offsets[path] = offset + len(new)
            self.lines += new.count(b"\n")
        return self.lines

    def done(self) -> int:
        return self._poll() - self.start


class FolderLock:
    """Held by every process captioning into a folder: exclusively by a whole run (a launch of any
    world size, or a merge), shared by ``--shard`` jobs. So shard jobs run side by side, but a
    merge or a second launch never starts while anything else writes."""

    def __init__(self, folder: Path, shared: bool) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.file = (folder / ".foodcap.lock").open("a")
        try:
            fcntl.flock(self.file.fileno(), (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            raise FoodcapError(
                f"another foodcap process is working in {folder} (a running launch or "
                "shard); wait for it to finish or stop it first"
            ) from None

    def release(self) -> None:
        self.file.close()
