"""An image stored inside a shard (a tar member, a parquet cell) rather than in a file of its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShardImage:
    """Where an image lies: ``size`` bytes at ``offset`` of ``shard`` (a tar member; a whole file when
    ``member`` is empty), and its bytes in ``data`` while they are held.

    ``str()`` gives ``SHARD#MEMBER``, what predictions.jsonl records as the image.
    """

    shard: str
    member: str
    offset: int = 0
    size: int = 0
    data: bytes | None = None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        with open(self.shard, "rb") as file:
            file.seek(self.offset)
            return file.read(self.size)

    def without_data(self) -> ShardImage:
        """This image with its bytes let go (once it is decoded): cheap to hand to another process."""
        return ShardImage(self.shard, self.member, self.offset, self.size) if self.data is not None else self

    def __str__(self) -> str:
        return f"{self.shard}#{self.member}" if self.member else self.shard
