"""`foodcap run` and `train` on sharded datasets, in process: shard jobs merged equal one process (whole
shards each, or records within shards), --resume, --limit, bad records counted while the run goes on."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import torch

import foodcap
from foodcap import Metric, MetricScore, hookimpl
from foodcap.errors import FoodcapError
from foodcap.plugins import register_plugin, unregister_plugin
from foodcap.registry import reset_registry

from conftest import COLOURS
from shard_layouts import write_shards, write_tar

SETTINGS = {
    "titles": list(COLOURS),
    "split": "all",
    "batch_size": 4,
    "num_workers": 0,
    "metrics": ["first-word"],
    "progress": False,
}


class FirstWord(Metric):
    """A metric without an accumulator of its own: scored through the default one."""

    name = "first-word"

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        per_sample = [float(p.split()[0] == refs[0].split()[0]) for p, refs in zip(predictions, references)]
        return MetricScore(sum(per_sample) / len(per_sample), per_sample)


class MetricPlugin:
    @staticmethod
    @hookimpl
    def register_metrics(register: Callable[..., None]) -> None:
        register(FirstWord)


@pytest.fixture
def metric_plugin(fake_plugin: type, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The metric registered, and the fake captioner's random weights the same in every process."""
    real_load = fake_plugin.load.__func__

    def seeded_load(cls, options):  # type: ignore[no-untyped-def]
        torch.manual_seed(0)
        return real_load(cls, options)

    monkeypatch.setattr(fake_plugin, "load", classmethod(seeded_load))
    register_plugin(MetricPlugin, name="first-word-test")
    reset_registry()
    try:
        yield
    finally:
        unregister_plugin("first-word-test")
        reset_registry()


def files(folder: Path) -> tuple[str, dict[str, object]]:
    metrics = json.loads((folder / "metrics.json").read_text())
    return (folder / "predictions.jsonl").read_text(), {key: metrics[key] for key in ("scores", "count")}


def test_shard_jobs_merged_equal_one_process(metric_plugin: None, tmp_path: Path) -> None:
    pattern = write_shards(tmp_path / "data", shards=4, per_shard=6)
    whole = foodcap.run("fake", dataset=pattern, out=tmp_path / "one", **SETTINGS)
    assert whole.count == 24 and whole.scores["first-word"] > 0
    for index in range(2):  # whole input shards per job
        assert not foodcap.run("fake", dataset=pattern, out=tmp_path / "two", shard=f"{index}/2", **SETTINGS).merged
    foodcap.merge(tmp_path / "two")
    two_shards = str(tmp_path / "data" / "{00000..00001}.tar")
    fewer = foodcap.run("fake", dataset=two_shards, out=tmp_path / "few-one", **SETTINGS)
    for index in range(3):  # 3 jobs over 2 shards: records within shards
        foodcap.run("fake", dataset=two_shards, out=tmp_path / "few", shard=f"{index}/3", **SETTINGS)
    assert fewer.count == 12
    foodcap.merge(tmp_path / "few")
    assert files(tmp_path / "two") == files(tmp_path / "one")
    assert files(tmp_path / "few") == files(tmp_path / "few-one")
    parts = [json.loads(p.read_text()) for p in sorted((tmp_path / "few" / "parts").glob("*.json"))]
    # Jobs 0 and 2 share shard 0 (every other record each), job 1 reads shard 1: no job reads both.
    assert [p["images"] for p in parts] == [3, 6, 3]


def test_an_interrupted_run_resumes_to_the_same_files(
    metric_plugin: None, fake_plugin: type, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pattern = write_shards(tmp_path / "data", shards=3, per_shard=8)
    foodcap.run("fake", dataset=pattern, out=tmp_path / "straight", **SETTINGS)
    real = fake_plugin.generate

    def stop_after_three(self, inputs):  # type: ignore[no-untyped-def]
        if type(self).generate_calls >= 3:
            raise KeyboardInterrupt
        return real(self, inputs)

    fake_plugin.generate_calls = 0
    monkeypatch.setattr(fake_plugin, "generate", stop_after_three)
    with pytest.raises(KeyboardInterrupt):
        foodcap.run("fake", dataset=pattern, out=tmp_path / "stopped", **SETTINGS)
    monkeypatch.setattr(fake_plugin, "generate", real)
    fake_plugin.generate_calls = 0
    foodcap.run("fake", dataset=pattern, out=tmp_path / "stopped", resume=True, **SETTINGS)
    assert fake_plugin.generate_calls == 3  # 24 images in batches of 4, 12 of them captioned before the stop
    assert files(tmp_path / "stopped") == files(tmp_path / "straight")


def test_limit_takes_the_first_records_of_the_split_in_stream_order(metric_plugin: None, tmp_path: Path) -> None:
    pattern = write_shards(tmp_path / "data", shards=3, per_shard=4)
    summary = foodcap.run("fake", dataset=pattern, out=tmp_path / "run", **{**SETTINGS, "limit": 6})
    lines = [json.loads(line) for line in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    assert summary.count == 6 and [r["id"] for r in lines] == [f"{i:06d}" for i in range(6)]


def test_bad_records_are_counted_and_the_run_goes_on(metric_plugin: None, tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_tar(root / "00000.tar", range(0, 5))
    write_tar(root / "00001.tar", range(3, 8))  # 000003 and 000004 again
    (root / "00002.tar").write_bytes(b"garbage" * 100)
    summary = foodcap.run("fake", dataset=str(root / "{00000..00002}.tar"), out=tmp_path / "run", **SETTINGS)
    assert summary.count == 8
    assert summary.cleaning_report["skipped"] == {"duplicate id": 2, "unreadable shard": 1}
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["split_sizes"]["train"] + record["split_sizes"]["val"] + record["split_sizes"]["test"] == 8


def test_a_pattern_matching_nothing_refuses_before_any_work(metric_plugin: None, tmp_path: Path) -> None:
    with pytest.raises(FoodcapError, match="matches no .tar shard"):
        foodcap.run("fake", dataset=f"webdataset:{tmp_path}/{{00000..00003}}.tar", out=tmp_path / "run", **SETTINGS)
    assert not (tmp_path / "run" / "parts").exists()


def test_train_reads_shards_and_splits_them_as_run_does(metric_plugin: None, tmp_path: Path) -> None:
    pattern = write_shards(tmp_path / "data", shards=2, per_shard=30)
    summary = foodcap.train(
        "fake",
        dataset=pattern,
        titles=list(COLOURS),
        epochs=1,
        batch_size=8,
        num_workers=0,
        metrics=["first-word"],
        out=tmp_path / "train",
        progress=False,
    )
    test_run = foodcap.run(
        "fake",
        dataset=pattern,
        split="test",
        titles=list(COLOURS),
        batch_size=8,
        num_workers=0,
        metrics=[],
        out=tmp_path / "test-run",
        progress=False,
    )
    trained = {json.loads(line)["id"] for line in (tmp_path / "train" / "predictions.jsonl").read_text().splitlines()}
    streamed = {
        json.loads(line)["id"] for line in (tmp_path / "test-run" / "predictions.jsonl").read_text().splitlines()
    }
    assert summary.test_count == len(trained) == test_run.count > 0 and trained == streamed


def test_sidecars_hold_each_input_shards_captions_by_key(metric_plugin: None, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    pattern = write_shards(tmp_path / "data", shards=2, per_shard=5)
    foodcap.run("fake", dataset=pattern, out=tmp_path / "run", write_sidecars=True, **SETTINGS)
    lines = [json.loads(line) for line in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    tables = [pq.read_table(tmp_path / "run" / "sidecars" / f"0000{i}.parquet").to_pylist() for i in range(2)]
    assert [row["key"] for row in tables[0]] == [f"{i:06d}" for i in range(5)]
    assert [row["caption"] for table in tables for row in table] == [line["caption"] for line in lines]
    assert [row["score_first-word"] for row in tables[1]] == [line["scores"]["first-word"] for line in lines[5:]]
