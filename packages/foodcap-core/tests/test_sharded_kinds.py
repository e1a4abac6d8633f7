"""The webdataset and parquet kinds: brace patterns, img2dataset's layouts, bad input counted by reason."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

import foodcap
from foodcap.dataset.shard_patterns import expand_braces
from foodcap.dataset.sharded import StreamSplit
from foodcap.errors import FoodcapError

from shard_layouts import add, caption, jpeg, write_parquet, write_shards, write_tar


def test_brace_patterns_expand_in_order() -> None:
    assert expand_braces("d/{000..002}.tar") == ["d/000.tar", "d/001.tar", "d/002.tar"]
    assert expand_braces("{a,b}-{1..2}") == ["a-1", "a-2", "b-1", "b-2"]
    assert expand_braces("plain.tar") == ["plain.tar"]


def test_webdataset_shards_read_by_pattern_with_txt_and_json_captions(tmp_path: Path) -> None:
    pattern = write_shards(tmp_path / "shards", shards=3, per_shard=4)  # shard 1 holds JSON captions
    dataset = foodcap.load_dataset(pattern)  # the kind is detected from the first shard
    assert [s.id for s in dataset.samples] == [f"{i:06d}" for i in range(12)]
    assert [s.title for s in dataset.samples] == [caption(i) for i in range(12)]
    assert [s.order for s in dataset.samples[3:6]] == [(0, 3), (1, 0), (1, 1)]
    assert dataset.samples[5].image.read() == jpeg(5)  # read back from the tar at its offset
    assert dataset.report.to_dict()["kept"] == 12


def test_a_pattern_matching_nothing_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(FoodcapError, match="matches no .tar shard"):
        foodcap.load_dataset(str(tmp_path / "{00000..00009}.tar"), kind="webdataset")


def test_bad_shards_are_counted_by_reason_and_the_rest_kept(tmp_path: Path) -> None:
    root = tmp_path / "shards"
    write_tar(root / "00000.tar", range(0, 4))
    write_tar(root / "00001.tar", [3, 4, 5])  # key 000003 again: a duplicate across shards
    truncated = write_tar(root / "00002.tar", range(6, 10)).read_bytes()
    (root / "00002.tar").write_bytes(truncated[: 512 * 7 + 100])  # ends inside the fourth member
    (root / "00003.tar").write_bytes(b"not a tar at all" * 64)
    with tarfile.open(root / "00004.tar", "w") as archive:  # a caption without its image
        add(archive, "000020.txt", b"Pea Soup 20")
    dataset = foodcap.load_dataset(str(root / "{00000..00004}.tar"))
    report = dataset.report.to_dict()
    assert report["skipped"] == {"duplicate id": 1, "no image given": 1, "truncated tar": 1, "unreadable shard": 1}
    assert [s.id for s in dataset.samples] == ["000000", "000001", "000002", "000003", "000004", "000005", "000006"]
    assert report["rows_read"] == report["kept"] + sum(report["skipped"].values())


def test_parquet_img2dataset_layout_and_a_file_missing_a_column(tmp_path: Path) -> None:
    write_parquet(tmp_path / "part-0.parquet", range(5))
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"key": ["x", "y"], "jpg": [jpeg(0), jpeg(1)]}), tmp_path / "part-1.parquet")
    write_parquet(tmp_path / "part-2.parquet", [7], jpg=[None])  # a failed download: no image bytes
    dataset = foodcap.load_dataset(tmp_path)
    assert [s.id for s in dataset.samples] == [f"{i:06d}" for i in range(5)]
    assert dataset.report.to_dict()["skipped"] == {"no image given": 1, "parquet file without a caption column": 2}


def test_a_records_split_is_its_own_or_a_stable_hash_of_its_key() -> None:
    rule = StreamSplit(seed=0, ratios=(0.8, 0.1, 0.1))
    samples = [foodcap.Sample(f"{i:06d}", Path("x.jpg"), "t") for i in range(2000)]
    splits = [rule.of(sample) for sample in samples]
    assert [rule.of(sample) for sample in reversed(samples)] == splits[::-1]  # no dependence on order
    assert 1450 < splits.count("train") < 1750 and splits.count("test") > 120
    assert rule.of(foodcap.Sample("a", Path("x.jpg"), "t", split="val")) == "val"
    other_seed = StreamSplit(seed=1, ratios=(0.8, 0.1, 0.1))
    assert [other_seed.of(sample) for sample in samples] != splits


def test_a_shard_with_long_names_is_read_through_tarfile_from_where_the_plain_reader_stopped(tmp_path: Path) -> None:
    long_key = "deep/" + "x" * 120  # longer than a ustar name: a pax header, which the plain reader leaves to tarfile
    with tarfile.open(tmp_path / "00000.tar", "w", format=tarfile.PAX_FORMAT) as archive:
        for key, index in (("000000", 0), (long_key, 1), ("000002", 2)):
            add(archive, f"{key}.jpg", jpeg(index))
            add(archive, f"{key}.txt", caption(index).encode())
    dataset = foodcap.load_dataset(tmp_path / "00000.tar")
    assert [s.id for s in dataset.samples] == ["000000", long_key, "000002"]
    assert [s.image.read() for s in dataset.samples] == [jpeg(0), jpeg(1), jpeg(2)]


def test_without_pyarrow_parquet_and_sidecars_fail_before_any_caption(
    fake_plugin: type, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sidecars are written after captioning: a missing pyarrow must stop the run before it starts."""
    import importlib.util
    import sys

    shards = write_shards(tmp_path / "data", shards=1, per_shard=2)
    parquet = write_parquet(tmp_path / "table.parquet", range(2))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real_find_spec(name, *a)
    )
    for module in [name for name in sys.modules if name == "pyarrow" or name.startswith("pyarrow.")]:
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    fake_plugin.generate_calls = 0
    settings = {"split": "all", "metrics": [], "num_workers": 0, "progress": False}
    for dataset, extra in ((shards, {"write_sidecars": True}), (str(parquet), {})):
        with pytest.raises(FoodcapError, match=r"pip install 'foodcap-core\[parquet\]'"):
            foodcap.run("fake", dataset=dataset, out=tmp_path / "run", **settings, **extra)
    assert fake_plugin.generate_calls == 0 and not (tmp_path / "run").exists()
