"""Which records of a sharded dataset each process captions: whole input shards when there are at least as
many shards as processes, else the records of a shard shared among the processes that read it.

A unit is (shard, index, count): the split records of input shard ``shard`` whose place among that
shard's split records is ``index`` modulo ``count``; shard -1 stands for the first ``--limit`` split records
of the whole stream. A shard is done once, for some count, every index has reported done, whatever the
world size or shard count of the launch that did it (so a resumed run may divide the work differently).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

STREAM = -1  # the unit shard of a --limit run: the first N split records of all shards in order


class Unit(NamedTuple):
    shard: int
    slot: int = 0  # this unit is every ``slots``-th record of the shard, from its ``slot``-th
    slots: int = 1


def assign_units(todo: list[int], processes: int, me: int, limited: bool) -> list[Unit]:
    """Process ``me`` of ``processes``: its units of the shards still ``todo``, in shard order."""
    if limited:
        return [Unit(STREAM, me, processes)] if todo else []
    if not todo:
        return []
    if len(todo) >= processes:
        return [Unit(shard) for shard in todo[me::processes]]
    first = me % len(todo)
    sharing = len(range(first, processes, len(todo)))
    return [Unit(todo[first], me // len(todo), sharing)]


def done_shards(units: Iterable[Unit]) -> set[int]:
    """The shards (or STREAM) some complete family of units has covered."""
    indices: dict[tuple[int, int], set[int]] = defaultdict(set)
    for unit in units:
        indices[(unit.shard, unit.slots)].add(unit.slot)
    return {shard for (shard, count), done in indices.items() if len(done) == count}
