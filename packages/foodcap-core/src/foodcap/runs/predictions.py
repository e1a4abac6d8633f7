"""One line of predictions.jsonl: what it holds, how readers of every version get its references, and
a fair sample of predictions (the report's gallery, the tracker's test table)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from ..dataset import Sample


def prediction_record(sample: Sample, caption: str) -> dict[str, Any]:
    """``references`` holds every reference; ``reference`` (the first) stays for readers of one-reference runs."""
    return {
        "id": sample.id,
        "image": str(sample.image),
        "reference": sample.references[0],
        "references": list(sample.references),
        "caption": caption,
    }


def record_references(record: Mapping[str, Any]) -> list[str]:
    """Every reference of a record; runs written before several references were kept have one."""
    references = record.get("references")
    if isinstance(references, list) and references:
        return [str(reference) for reference in references]
    return [str(record["reference"])]


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
