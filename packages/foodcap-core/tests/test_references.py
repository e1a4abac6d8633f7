"""Several references per image, end to end: predictions.jsonl, scoring, the gallery and compare."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from html import escape
from pathlib import Path

import pytest
from rich.console import Console

from foodcap import Metric, MetricScore, check_corpus, hookimpl
from foodcap.config import DataConfig, EvalConfig, RunConfig
from foodcap.dataset.split_data import load_split_data
from foodcap.plugins import register_plugin, unregister_plugin
from foodcap.registry import get_registry, reset_registry
from foodcap.reports import ReportSettings, compare_runs, load_runs, write_report
from foodcap.runs.predictions import record_references
from foodcap.runs.runner import run
from foodcap.training import TrainConfig, TrainOptions, train

from conftest import COLOURS
from dataset_layouts import five_captions, write_coco, write_karpathy

QUIET = Console(quiet=True)


class ReferenceCount(Metric):
    """Scores each image by how many references reached the metric, and whether the caption is among them."""

    name = "reference-count"

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        check_corpus(predictions, references)
        per_sample = [float(len(refs)) for refs in references]
        return MetricScore(sum(per_sample) / len(per_sample), per_sample)


class MetricPlugin:
    @staticmethod
    @hookimpl
    def register_metrics(register: Callable[..., None]) -> None:
        register(ReferenceCount)


@pytest.fixture
def counting_metric(fake_plugin: type) -> Iterator[None]:
    register_plugin(MetricPlugin, name="reference-count-test")
    reset_registry()
    try:
        yield
    finally:
        unregister_plugin("reference-count-test")
        reset_registry()


def coco_run(captions: Path, out: Path) -> RunConfig:
    return RunConfig(
        captioner="fake",
        options={"titles": list(COLOURS)},
        out=out,
        data=DataConfig(dataset=f"coco:{captions}", split="all", batch_size=2, num_workers=0),
        evaluation=EvalConfig(metrics=["reference-count"]),
    )


def test_every_reference_is_kept_scored_and_shown(counting_metric: None, tmp_path: Path) -> None:
    captions = write_coco(tmp_path / "coco")
    result = run(coco_run(captions, tmp_path / "run"), get_registry(), QUIET)
    records = [json.loads(line) for line in (result.folder / "predictions.jsonl").read_text().splitlines()]
    by_id = {record["id"]: record for record in records}
    assert sorted(by_id) == ["1", "2", "3", "6"]
    assert by_id["2"]["references"] == five_captions(2)
    assert by_id["2"]["reference"] == five_captions(2)[0]  # one-reference readers keep working
    assert by_id["6"]["references"] == ["A cake"]
    assert {i: r["scores"]["reference-count"] for i, r in by_id.items()} == {"1": 5.0, "2": 5.0, "3": 5.0, "6": 1.0}
    assert result.scores.corpus["reference-count"] == 4.0

    page = write_report([result.folder], tmp_path / "report", ReportSettings(gallery_size=4, examples=1))
    html = page.read_text()
    assert "Ground truth (5 references)" in html
    for caption in five_captions(3):
        assert f"<li>{escape(caption)}</li>" in html


def test_compare_flags_runs_scored_against_different_numbers_of_references(
    counting_metric: None, kaggle_folder: Path, tmp_path: Path
) -> None:
    five = run(coco_run(write_coco(tmp_path / "coco"), tmp_path / "five"), get_registry(), QUIET)
    one = run(
        coco_run(Path("unused"), tmp_path / "one").model_copy(
            update={"data": DataConfig(dataset=str(kaggle_folder), split="all", batch_size=8, num_workers=0, limit=4)}
        ),
        get_registry(),
        QUIET,
    )
    comparison = compare_runs(load_runs([five.folder, one.folder]))
    mismatch = next(m for m in comparison.mismatches if m.field == "references")
    assert mismatch.values == {"five": 4.0, "one": 1.0}
    assert "numbers of references per image" in mismatch.describe()


def test_records_written_before_references_were_kept_still_read() -> None:
    assert record_references({"reference": "Pea soup"}) == ["Pea soup"]
    assert record_references({"reference": "Pea soup", "references": ["Pea soup", "Green soup"]}) == [
        "Pea soup",
        "Green soup",
    ]


def test_training_learns_every_reference_of_an_image(
    counting_metric: None, kaggle_folder: Path, tmp_path: Path
) -> None:
    karpathy = write_karpathy(tmp_path / "karpathy")
    data = load_split_data(DataConfig(dataset=str(karpathy)))
    pairs = data.training_samples("train")
    assert [pair.id for pair in pairs[:6]] == ["1000#0", "1000#1", "1000#2", "1000#3", "1000#4", "1001#0"]
    assert len(pairs) == 4 * 5 and [pair.title for pair in pairs[:5]] == five_captions(0)
    assert all(sorted(pair.references) == sorted(five_captions(0)) for pair in pairs[:5])
    kaggle = load_split_data(DataConfig(dataset=str(kaggle_folder)))
    assert kaggle.training_samples("train") == kaggle.samples("train")  # one reference: unchanged

    result = train(
        TrainConfig(
            captioner="fake",
            options={"titles": ["a bowl of"]},
            out=tmp_path / "trained",
            data=DataConfig(dataset=str(karpathy), batch_size=8, num_workers=0),
            evaluation=EvalConfig(metrics=["reference-count"]),
            train=TrainOptions(epochs=1, lr=1e-2),
        ),
        get_registry(),
        QUIET,
    )
    assert result.test_scores is not None and result.test_scores.corpus == {"reference-count": 5.0}
    assert result.test_count == 2
