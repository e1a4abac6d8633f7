"""Splits: the same ids on every machine, titles never straddling splits, manifests that round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foodcap.dataset import Sample, SplitManifest, split_manifest
from foodcap.dataset.titles import title_group_key
from foodcap.errors import FoodcapError

TITLES = [
    "Tomato Soup",
    "Blueberry Tart",
    "Spinach Salad with Feta",
    "tomato soup!",
    "Lemon Cake",
    "Pumpkin Pizza",
    "Beet Pasta",
    "Coconut Smoothie",
    "Mushroom Burger",
    "Blueberry Tart",
    "Crème Brûlée",
    "Spinach Salad",
    "Lemon Tart",
    "Beet Soup",
    "Pumpkin Pasta with Basil",
    "Tomato Soup",
    "Mushroom Tart",
    "Coconut Cake",
    "Spinach Pizza",
    "Lemon Smoothie",
]


def samples_of(titles: list[str]) -> list[Sample]:
    return [Sample(str(i), Path(f"/images/{i}.jpg"), title) for i, title in enumerate(titles)]


def test_split_is_pinned_across_machines_and_python_versions() -> None:
    """Hard-coded on purpose: any change of algorithm, hashing or Python behaviour must show here."""
    first = split_manifest(samples_of(TITLES), seed=0)
    assert first.train == ["0", "1", "2", "3", "6", "7", "8", "9", "11", "12", "13", "14", "15", "16", "17", "18"]
    assert first.val == ["10", "19"]
    assert first.test == ["4", "5"]
    assert first.digest() == "f1f1534240f61a5a8a5dafb415cdb760eec55332a3828eefa9c5cbef393c9d4a"
    other = split_manifest(samples_of(TITLES), seed=1)
    assert (other.val, other.test) == (["12", "13"], ["2", "8"])
    assert other.digest() != first.digest()


def test_split_ignores_input_order() -> None:
    samples = samples_of(TITLES)
    assert split_manifest(samples[::-1], seed=3) == split_manifest(samples, seed=3)


def test_same_title_never_straddles_splits_and_ids_are_covered_once() -> None:
    # ~430 samples over 150 titles in varying case and punctuation: groups of 1 and of 4.
    titles = [f"Dish {i % 150}" + ("!" if i % 3 == 0 else "") for i in range(600) if i % 150 < 100 or i % 7 == 0]
    samples = [Sample(f"r{i}", Path(f"/images/{i}.jpg"), t.upper() if i % 2 else t) for i, t in enumerate(titles)]
    manifest = split_manifest(samples, ratios=(0.7, 0.2, 0.1), seed=5)

    assert sorted(manifest.ids("all")) == sorted(s.id for s in samples)
    assert len(manifest.ids("all")) == len(samples)
    split_of_group: dict[str, set[str]] = {}
    by_id = {s.id: s for s in samples}
    for split in ("train", "val", "test"):
        for sample_id in manifest.ids(split):
            split_of_group.setdefault(title_group_key(by_id[sample_id].title), set()).add(split)
    assert all(len(splits) == 1 for splits in split_of_group.values())
    largest_group = max(sum(1 for s in samples if title_group_key(s.title) == key) for key in split_of_group)
    for split, ratio in zip(("train", "val", "test"), (0.7, 0.2, 0.1)):
        assert abs(manifest.sizes()[split] - ratio * len(samples)) <= largest_group


def test_singleton_groups_hit_the_ratios_exactly() -> None:
    samples = samples_of([f"Dish {i}" for i in range(1000)])
    assert split_manifest(samples).sizes() == {"train": 800, "val": 100, "test": 100}
    assert split_manifest(samples, ratios=(0.5, 0.25, 0.25), seed=9).sizes() == {"train": 500, "val": 250, "test": 250}
    assert split_manifest(samples, ratios=(1, 0, 0)).sizes() == {"train": 1000, "val": 0, "test": 0}


@pytest.mark.parametrize("ratios", [(0.8, 0.1), (0.8, 0.1, 0.2), (1.1, -0.05, -0.05), ("a", "b", "c")])
def test_bad_ratios_are_user_errors(ratios: tuple) -> None:
    with pytest.raises(FoodcapError, match="split ratios"):
        split_manifest(samples_of(TITLES), ratios=ratios)


def test_duplicate_sample_ids_are_refused() -> None:
    samples = samples_of(TITLES) + [Sample("3", Path("/images/x.jpg"), "Other")]
    with pytest.raises(FoodcapError, match="'3' appears twice"):
        split_manifest(samples)


def test_manifest_ids_and_sizes() -> None:
    manifest = SplitManifest(seed=1, ratios=(0.5, 0.25, 0.25), train=["2", "0"], val=["1"], test=[])
    assert manifest.ids("all") == ["2", "0", "1"]
    assert manifest.sizes() == {"train": 2, "val": 1, "test": 0}
    with pytest.raises(FoodcapError, match="unknown split 'dev'"):
        manifest.ids("dev")
    with pytest.raises(FoodcapError, match="lists a sample twice"):
        SplitManifest(seed=1, ratios=(0.5, 0.25, 0.25), train=["2", "0"], val=["0"], test=[])


def test_manifest_save_load_round_trip_and_digest(tmp_path: Path) -> None:
    manifest = split_manifest(samples_of(TITLES), seed=0)
    path = tmp_path / "run" / "split.json"
    manifest.save(path)
    loaded = SplitManifest.load(path)
    assert loaded == manifest
    assert loaded.digest() == manifest.digest()
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["digest"] == manifest.digest()
    assert document["sizes"] == {"train": 16, "val": 2, "test": 2}

    moved = SplitManifest(
        seed=0,
        ratios=manifest.ratios,
        train=manifest.train[1:],
        val=[*manifest.val, manifest.train[0]],
        test=manifest.test,
    )
    assert moved.digest() != manifest.digest()


def test_manifest_load_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(FoodcapError, match="does not exist"):
        SplitManifest.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(FoodcapError, match="not readable JSON"):
        SplitManifest.load(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text('{"train": []}', encoding="utf-8")
    with pytest.raises(FoodcapError, match="not a foodcap split manifest"):
        SplitManifest.load(tmp_path / "other.json")
    (tmp_path / "ints.json").write_text(
        '{"format": 1, "seed": 0, "ratios": [0.8, 0.1, 0.1], "train": [1], "val": [], "test": []}',
        encoding="utf-8",
    )
    with pytest.raises(FoodcapError, match="malformed"):
        SplitManifest.load(tmp_path / "ints.json")
