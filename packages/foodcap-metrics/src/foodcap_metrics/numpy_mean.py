"""``np.mean`` of a stream of floats, bit for bit, without holding the stream.

numpy sums a float64 array pairwise: blocks of at most 128 values summed in eight lanes, halves split
at multiples of eight. Knowing the count in advance fixes that tree, so the values can arrive one chunk
at a time and only one block plus one partial sum per tree level is ever held. Without a count, the
values are kept (8 bytes each) and handed to numpy at the end.
"""

from __future__ import annotations

from array import array
from collections.abc import Generator, Iterable

import numpy as np

_BLOCK = 128
_LANES = 8


def _block_sum(values: list[float]) -> float:
    """numpy's sum of at most 128 values (``pairwise_sum_DOUBLE``'s leaves)."""
    n = len(values)
    if n < _LANES:
        total = 0.0
        for value in values:
            total += value
        return total
    lanes = values[:_LANES]
    end = n - n % _LANES
    for start in range(_LANES, end, _LANES):
        for lane in range(_LANES):
            lanes[lane] += values[start + lane]
    total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
    for value in values[end:]:
        total += value
    return total


def _tree(count: int) -> Generator[int, float, float]:
    """Yields each leaf's size, receives its sum, returns the total combined as numpy combines it."""
    if count <= _BLOCK:
        return (yield count)
    half = count // 2
    half -= half % _LANES
    left = yield from _tree(half)
    right = yield from _tree(count - half)
    return left + right


class StreamMean:
    """``float(np.mean(np.array(values)))`` of values given in order by ``add``; ``count`` may be None."""

    def __init__(self, count: int | None) -> None:
        self.count = count
        self.seen = 0
        self._kept = array("d")
        self._block: list[float] = []
        self._total: float | None = None
        if count:
            self._tree = _tree(count)
            self._leaf = next(self._tree)

    def add(self, values: Iterable[float]) -> None:
        for value in values:
            self.seen += 1
            if not self.count:
                self._kept.append(value)
                continue
            self._block.append(value)
            if len(self._block) == self._leaf:
                leaf, self._block = _block_sum(self._block), []
                try:
                    self._leaf = self._tree.send(leaf)
                except StopIteration as done:
                    self._total = done.value

    def mean(self) -> float:
        if not self.count:
            return float(np.mean(np.frombuffer(self._kept, dtype=np.float64)))
        if self.seen != self.count or self._total is None:
            raise ValueError(f"expected {self.count} values, got {self.seen}")
        return float(np.float64(self._total) / np.float64(self.count))
