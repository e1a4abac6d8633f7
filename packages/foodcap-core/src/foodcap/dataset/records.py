"""Cleaning any dataset kind's raw records into samples, counting every decision by reason.

A dataset kind only reads its layout into ``DatasetRecord``s; the checks every dataset needs
(empty or duplicate ids, empty captions, missing or unreadable images, unknown split names)
live here once, so every kind gets the same cleaning report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .cleaning_report import CleaningReport
from .image_files import check_image_files
from .inside_root import resolved_roots
from .recipe_dataset import RecipeDataset, Sample
from .titles import clean_title

EMPTY_ID = "empty id"
DUPLICATE_ID = "duplicate id"
NO_CAPTION = "no caption"
NO_IMAGE = "no image given"
UNKNOWN_SPLIT = "unknown split name"
CAPTION_CLEANED = "caption whitespace/control chars cleaned"
EMPTY_CAPTION_DROPPED = "empty caption dropped (others kept)"

# Split names as datasets spell them; Karpathy's "restval" is training data.
SPLIT_NAMES = {
    "train": "train",
    "training": "train",
    "restval": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "dev": "val",
    "test": "test",
    "testing": "test",
}


@dataclass(frozen=True)
class DatasetRecord:
    """One image as a dataset kind read it, nothing cleaned yet.

    ``image`` is absolute or relative to the dataset's root; ``captions`` is one caption (a string) or
    several (a list or tuple), and may hold empty or missing values (they are dropped and counted);
    ``split`` is the dataset's own split name, if any.
    """

    id: str
    image: Path | str | None
    captions: Sequence[str | None]  # a str is a Sequence too: it is taken as one caption
    group: str | None = None
    split: str | None = None

    def __post_init__(self) -> None:
        # A plain string is one caption (never a sequence of one-letter captions); None is none.
        object.__setattr__(self, "captions", caption_list(self.captions))


@dataclass(frozen=True)
class SkippedRow:
    """A row a dataset kind read but cannot parse (a malformed line): yield it from ``records()`` and it is
    counted in the cleaning report under the kind's own ``reason``, like foodcap's own skips."""

    reason: str


def merge_rows(rows: Iterable[DatasetRecord]) -> list[DatasetRecord]:
    """One record per id, captions of repeated rows gathered in row order (several references
    per image may come as repeated rows); the first row's image, group and split win."""
    merged: dict[str, DatasetRecord] = {}
    captions: dict[str, list[str | None]] = {}
    for row in rows:
        key = str(row.id)
        if key not in merged:
            merged[key] = row
            captions[key] = []
        captions[key].extend(row.captions)
    return [DatasetRecord(r.id, r.image, captions[key], r.group, r.split) for key, r in merged.items()]


def caption_list(value: object) -> list[str | None]:
    """A caption cell as a list: a string is one caption, a list holds several, missing is none."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [v if isinstance(v, str) or v is None else str(v) for v in value]
    return [value if isinstance(value, str) else str(value)]


@dataclass
class _Candidate:
    record: DatasetRecord
    path: Path
    references: tuple[str, ...]
    split: str | None
    repairs: list[str] = field(default_factory=list)


def clean_records(
    records: Iterable[DatasetRecord | SkippedRow],
    root: Path,
    *,
    workers: int = 1,
    report: CleaningReport | None = None,
    allow_outside_root: bool = False,
    extra_roots: Sequence[Path] = (),
) -> RecipeDataset:
    """Keep every record with an id, a caption and a readable image inside ``root`` (or ``extra_roots``,
    folders the kind itself wrote images to); count the rest by reason.

    A record is counted under the first reason that rules it out, in the order checked here;
    repairs count only for records that are kept. ``report`` may already hold decisions a kind
    made while reading (rows it could not even parse); ``rows_read`` grows by the records seen.
    ``allow_outside_root`` keeps images wherever their paths lead.
    """
    report = report or CleaningReport()
    seen: set[str] = set()
    candidates: list[_Candidate] = []
    for record in records:
        report.rows_read += 1
        report.kept += 1
        if isinstance(record, SkippedRow):
            report.add_skip(record.reason)
            continue
        candidate = _check_text(record, root, seen, report)
        if candidate is not None:
            candidates.append(candidate)

    roots = None if allow_outside_root else resolved_roots([root, *extra_roots])
    paths = sorted({candidate.path for candidate in candidates})
    problems = dict(zip(paths, check_image_files(paths, workers, roots)))
    samples = []
    for candidate in candidates:
        problem = problems[candidate.path]
        if problem is not None:
            report.add_skip(problem)
            continue
        for repair in candidate.repairs:
            report.add_repair(repair)
        samples.append(
            Sample(candidate.record.id, candidate.path, candidate.references, candidate.record.group, candidate.split)
        )
    return RecipeDataset(root=root, samples=samples, report=report, image_roots=roots)


def _check_text(record: DatasetRecord, root: Path, seen: set[str], report: CleaningReport) -> _Candidate | None:
    record_id = str(record.id).strip() if record.id is not None else ""
    if not record_id:
        report.add_skip(EMPTY_ID)
        return None
    if record_id in seen:
        report.add_skip(DUPLICATE_ID)
        return None
    seen.add(record_id)
    references, repairs = clean_captions(record.captions)
    if not references:
        report.add_skip(NO_CAPTION)
        return None
    split = None
    if record.split is not None and str(record.split).strip():
        split = SPLIT_NAMES.get(str(record.split).strip().lower())
        if split is None:
            report.add_skip(UNKNOWN_SPLIT)
            return None
    if record.image is None or not str(record.image).strip():
        report.add_skip(NO_IMAGE)
        return None
    path = Path(record.image)
    path = path if path.is_absolute() else root / path
    if record_id != record.id:
        record = replace(record, id=record_id)
    return _Candidate(record, path, references, split, repairs)


def clean_captions(captions: Sequence[str | None]) -> tuple[tuple[str, ...], list[str]]:
    """The non-empty captions, cleaned like Kaggle titles, and the repairs that took."""
    references: list[str] = []
    repairs: list[str] = []
    for raw in captions:
        text = clean_title(raw if isinstance(raw, str) or raw is None else str(raw))
        if not text:
            repairs.append(EMPTY_CAPTION_DROPPED)
            continue
        if text != raw:
            repairs.append(CAPTION_CLEANED)
        references.append(text)
    return tuple(references), (repairs if references else [])
