"""One line of predictions.jsonl: what it holds, and how readers of every version get its references."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .dataset import Sample


def prediction_record(sample: Sample, caption: str) -> dict[str, Any]:
    """``references`` holds every reference; ``reference`` (the first) stays for readers of one-reference runs."""
    return {"id": sample.id, "image": str(sample.image), "reference": sample.references[0],
            "references": list(sample.references), "caption": caption}


def record_references(record: Mapping[str, Any]) -> list[str]:
    """Every reference of a record; runs written before several references were kept have one."""
    references = record.get("references")
    if isinstance(references, list) and references:
        return [str(reference) for reference in references]
    return [str(record["reference"])]
