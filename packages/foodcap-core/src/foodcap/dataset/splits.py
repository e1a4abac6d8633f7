"""Train/val/test splits that are the same on every machine, saved as a manifest of sample ids."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import FoodcapError
from .recipe_dataset import Sample
from .titles import title_group_key

SPLITS = ("train", "val", "test")
logger = logging.getLogger("foodcap")
_FORMAT = 1


@dataclass(frozen=True)
class SplitManifest:
    """Which sample ids are in which split, and the seed and ratios that chose them."""

    seed: int
    ratios: tuple[float, float, float]
    train: list[str]
    val: list[str]
    test: list[str]
    given: bool = False  # the dataset's own split, not one drawn by seed and ratios

    def __post_init__(self) -> None:
        object.__setattr__(self, "ratios", _checked_ratios(self.ratios))
        seen: set[str] = set()
        for split in SPLITS:
            ids = getattr(self, split)
            overlap = seen.intersection(ids)
            if overlap or len(set(ids)) != len(ids):
                shown = ", ".join(sorted(overlap)[:5]) or "an id repeated within the split"
                raise FoodcapError(f"split manifest lists a sample twice ({shown})")
            seen.update(ids)

    def ids(self, split: str) -> list[str]:
        """``"train"``, ``"val"``, ``"test"``, or ``"all"`` (the three in that order)."""
        if split == "all":
            return [*self.train, *self.val, *self.test]
        if split not in SPLITS:
            raise FoodcapError(f"unknown split {split!r}: use train, val, test or all")
        return list(getattr(self, split))

    def sizes(self) -> dict[str, int]:
        return {split: len(getattr(self, split)) for split in SPLITS}

    def digest(self) -> str:
        """sha256 of the canonical JSON: equal digests mean runs used the very same split."""
        canonical = json.dumps(self._content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("ascii")).hexdigest()

    def save(self, path: Path) -> None:
        """Write JSON; ``digest`` and ``sizes`` are there for people and are not read back."""
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"format": _FORMAT, "digest": self.digest(), "sizes": self.sizes(), **self._content()}
        path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> SplitManifest:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise FoodcapError(f"split manifest {path} does not exist") from error
        except (OSError, ValueError) as error:
            raise FoodcapError(f"split manifest {path} is not readable JSON: {error}") from error
        if not isinstance(document, dict) or document.get("format") != _FORMAT:
            raise FoodcapError(f"{path} is not a foodcap split manifest (format {_FORMAT})")
        try:
            return cls(
                given=_exact(document.get("given", False), bool),
                seed=_exact(document["seed"], int),
                ratios=tuple(document["ratios"]),  # type: ignore[arg-type]
                **{split: [_exact(i, str) for i in _exact(document[split], list)] for split in SPLITS},
            )
        except (KeyError, TypeError) as error:
            raise FoodcapError(f"split manifest {path} is malformed: {error}") from error

    def _content(self) -> dict[str, Any]:
        # "given" appears only when set, so the digests of drawn splits stay what they always were.
        return {
            "seed": self.seed,
            "ratios": list(self.ratios),
            **({"given": True} if self.given else {}),
            **{split: getattr(self, split) for split in SPLITS},
        }


def split_manifest(
    samples: Sequence[Sample], ratios: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0, own_split: bool = True
) -> SplitManifest:
    """The dataset's own split when it has one (see ``has_own_split``) and ``own_split``; else one drawn by group.

    A drawn split is the same on every machine and Python version. A sample's group is its
    ``group`` or else its first reference normalised (case, punctuation, spacing), so one dish,
    and every reference of one image, never sits on both sides of a split. Groups are shuffled by sha256(seed, title key),
    which depends on nothing but the data, then laid end to end; each goes to the split whose
    share of the line holds the group's midpoint (exact fractions, no float drift).
    """
    checked = _checked_ratios(ratios)
    if own_split and has_own_split(samples):
        return given_split_manifest(samples, seed)
    if own_split:
        announce_dropped_split(samples)
    groups: dict[str, list[str]] = {}
    seen: set[str] = set()
    for sample in samples:
        if sample.id in seen:
            raise FoodcapError(f"sample id {sample.id!r} appears twice; ids must be unique to split")
        seen.add(sample.id)
        key = f"group\x00{sample.group}" if sample.group is not None else title_group_key(sample.title)
        groups.setdefault(key, []).append(sample.id)

    def shuffle_key(title_key: str) -> tuple[str, str]:
        return hashlib.sha256(f"{seed}\x00{title_key}".encode()).hexdigest(), title_key

    total = len(seen)
    train_end = Fraction(checked[0]) * total
    val_end = (Fraction(checked[0]) + Fraction(checked[1])) * total
    buckets: tuple[list[str], list[str], list[str]] = ([], [], [])
    position = 0
    for title_key in sorted(groups, key=shuffle_key):
        ids = groups[title_key]
        middle = Fraction(2 * position + len(ids), 2)
        buckets[0 if middle < train_end else 1 if middle < val_end else 2].extend(ids)
        position += len(ids)
    train, val, test = (sorted(bucket, key=_id_order) for bucket in buckets)
    return SplitManifest(seed=seed, ratios=checked, train=train, val=val, test=test)


def has_own_split(samples: Sequence[Sample]) -> bool:
    """Every sample has a split and some are held out: a dataset that is all "train" (a lone
    ``load_dataset`` split) gets a drawn split instead, or nothing would be left to test on."""
    return bool(samples) and all(s.split for s in samples) and any(s.split != "train" for s in samples)


def announce_dropped_split(samples: Sequence[Sample]) -> None:
    """One warning line when some samples carry the dataset's own split but others lack one, so it cannot
    be used and a split is drawn instead."""
    lacking = sum(not s.split for s in samples)
    if not lacking or lacking == len(samples):
        return
    counts = Counter(s.split for s in samples if s.split)
    given = ", ".join(f"{name} {counts[name]}" for name in SPLITS if counts[name])
    logger.warning(
        "the dataset's own split is not used: %d of %d records have no split (the others: %s); "
        "a split is drawn by seed and ratios instead",
        lacking,
        len(samples),
        given,
    )


def given_split_manifest(samples: Sequence[Sample], seed: int = 0) -> SplitManifest:
    """The split the dataset itself gives (COCO Karpathy, split folders); ratios are the resulting shares."""
    buckets: dict[str, list[str]] = {split: [] for split in SPLITS}
    for sample in samples:
        if sample.split not in buckets:
            raise FoodcapError(f"sample {sample.id!r} has split {sample.split!r}; expected train, val or test")
        buckets[sample.split].append(sample.id)
    total = len(samples)
    shares = [len(buckets[split]) / total for split in SPLITS]
    shares[0] = 1.0 - shares[1] - shares[2]  # exact sum, whatever the float rounding
    train, val, test = (sorted(buckets[split], key=_id_order) for split in SPLITS)
    return SplitManifest(
        seed=seed, ratios=(shares[0], shares[1], shares[2]), train=train, val=val, test=test, given=True
    )


def _checked_ratios(ratios: Sequence[float]) -> tuple[float, float, float]:
    try:
        values = tuple(float(r) for r in ratios)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 3 or min(values) < 0 or abs(sum(values) - 1) > 1e-6:
        raise FoodcapError(f"split ratios must be three non-negative numbers summing to 1, got {ratios}")
    return values  # type: ignore[return-value]


def _id_order(sample_id: str) -> tuple[int, int, str]:
    """Kaggle ids are row numbers: order them as numbers, any others after them as text."""
    if sample_id.isascii() and sample_id.isdigit():
        return 0, int(sample_id), ""
    return 1, 0, sample_id


def _exact(value: Any, kind: type) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"expected {kind.__name__}, got {value!r}")
    return value
