"""A fair, repeatable sample of a sequence: shared by the report's gallery and the tracker's test table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def evenly_spaced(items: Sequence[T], count: int) -> list[T]:
    """``count`` items spread over the whole sequence (first and last included): a fair, repeatable sample."""
    if count <= 0 or not items:
        return []
    if count >= len(items):
        return list(items)
    if count == 1:
        return [items[0]]
    return [items[round(index * (len(items) - 1) / (count - 1))] for index in range(count)]
