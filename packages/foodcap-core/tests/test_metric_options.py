"""A metric's own options: --metric-option, config tables, pre-flight per option, signatures in run.json."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field

import foodcap
from foodcap import Metric, MetricOptions, MetricScore, check_corpus, hookimpl
from foodcap.cli import main
from foodcap.plugins import register_plugin, unregister_plugin
from foodcap.registry import reset_registry
from foodcap.reports import compare_runs, load_runs


class WeightedLengthOptions(MetricOptions):
    weight: float = Field(1.0, gt=0)
    weights_folder: Path | None = None  # stands for a model's weights: pre-flight checks it is there


class WeightedLength(Metric):
    """Caption length times ``weight``; its signature names the weight, as bert-score's hash names its model."""

    name = "weighted-length"
    Options = WeightedLengthOptions

    @classmethod
    def missing_resources_for(cls, options: MetricOptions) -> list[str]:
        folder = getattr(options, "weights_folder", None)
        return [f"weighted-length: no weights in {folder}"] if folder and not folder.is_dir() else []

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        check_corpus(predictions, references)
        weight = getattr(self.options, "weight", 1.0)
        per_sample = [weight * len(p) for p in predictions]
        return MetricScore(sum(per_sample) / len(per_sample), per_sample)

    def signature(self) -> str:
        return f"weighted-length|weight:{getattr(self.options, 'weight', 1.0)}|dialect:{self.options.dialect}"


class OptionsPlugin:
    @staticmethod
    @hookimpl
    def register_metrics(register: Callable[..., None]) -> None:
        register(WeightedLength)


@pytest.fixture
def weighted(fake_plugin: type) -> Iterator[None]:
    register_plugin(OptionsPlugin, name="metric-options-test")
    reset_registry()
    try:
        yield
    finally:
        unregister_plugin("metric-options-test")
        reset_registry()


def run_cli(kaggle_folder: Path, out: Path, *extra: str) -> None:
    main(
        [
            "run",
            "--captioner",
            "fake",
            "--dataset",
            str(kaggle_folder),
            "--limit",
            "6",
            "--num-workers",
            "0",
            "--metrics",
            "weighted-length",
            "--out",
            str(out),
            "-o",
            'titles=["Pea Soup"]',
            *extra,
        ]
    )


def test_options_reach_the_metric_and_its_signature_reaches_run_json(
    weighted: None, kaggle_folder: Path, tmp_path: Path
) -> None:
    run_cli(kaggle_folder, tmp_path / "run", "--metric-option", "weighted-length.weight=2.5")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["scores"]["weighted-length"] == 2.5 * len("Pea Soup")
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["config"]["evaluation"]["metric_options"] == {"weighted-length": {"weight": 2.5}}
    assert record["evaluated_on"]["metric_signatures"] == {"weighted-length": "weighted-length|weight:2.5|dialect:coco"}

    config = tmp_path / "exp.toml"
    config.write_text("[evaluation.metric_options.weighted-length]\nweight = 3.0\n")
    run_cli(kaggle_folder, tmp_path / "from-file", "--config", str(config))
    assert json.loads((tmp_path / "from-file" / "metrics.json").read_text())["scores"]["weighted-length"] == 24.0

    # compare flags the two runs: the same metric, computed with other settings
    mismatch = next(
        m
        for m in compare_runs(load_runs([tmp_path / "run", tmp_path / "from-file"])).mismatches
        if m.field == "signature:weighted-length"
    )
    assert mismatch.describe() == (
        "different settings of weighted-length (its signature): "
        "run=weighted-length|weight:2.5|dialect:coco, "
        "from-file=weighted-length|weight:3.0|dialect:coco"
    )


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (
            "weighted-length.weight=-1",
            "error: invalid value for --metric-option weighted-length.weight: Input should be greater than 0 (got -1)",
        ),
        (
            "weighted-length.wieght=2",
            "error: invalid value for --metric-option weighted-length.wieght: Extra inputs are not permitted (got 2)",
        ),
        (
            "weighted-lenght.weight=2",
            "error: --metric-option names 'weighted-lenght', which is no installed metric (see `foodcap plugins`)",
        ),
        ("weighted-length.weights_folder=/no/such/folder", "error: weighted-length: no weights in /no/such/folder"),
        ("weighted-length", "error: --metric-option expects KEY=VALUE, got 'weighted-length'"),
    ],
)
def test_a_bad_option_is_one_line_before_any_model_loads(
    weighted: None,
    kaggle_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake_plugin: type,
    pair: str,
    message: str,
) -> None:
    def load(cls: type, options: Any) -> None:
        raise AssertionError("a model was loaded before the pre-flight checks failed")

    monkeypatch.setattr(fake_plugin, "load", classmethod(load))
    with pytest.raises(SystemExit) as exited:
        run_cli(kaggle_folder, tmp_path / "run", "--metric-option", pair)
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip() == message


def test_the_python_api_takes_metric_options(weighted: None) -> None:
    scores = foodcap.score(
        ["ab", "abcd"], ["x", "y"], metrics=["weighted-length"], metric_options={"weighted-length": {"weight": 0.5}}
    )
    assert scores.per_sample["weighted-length"] == [1.0, 2.0]
    assert scores.signatures == {"weighted-length": "weighted-length|weight:0.5|dialect:coco"}


def test_merge_scores_a_finished_run_again_with_options_laid_over_the_recorded_ones(
    weighted: None, kaggle_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    run_cli(kaggle_folder, out, "--metric-option", "weighted-length.weight=2.5")
    assert foodcap.merge(out).scores == {"weighted-length": 2.5 * len("Pea Soup")}  # the recorded options
    main(["merge", str(out), "--metric-option", "weighted-length.weight=4"])
    assert json.loads((out / "metrics.json").read_text())["scores"]["weighted-length"] == 4 * len("Pea Soup")
    record = json.loads((out / "run.json").read_text())
    assert record["config"]["evaluation"]["metric_options"] == {"weighted-length": {"weight": 4}}
    assert record["evaluated_on"]["metric_signatures"] == {"weighted-length": "weighted-length|weight:4.0|dialect:coco"}
    # Options given to merge pass the same pre-flight as a run's, before anything is merged or scored.
    with pytest.raises(foodcap.FoodcapError, match="^weighted-length: no weights in /gone$"):
        foodcap.merge(out, metric_options={"weighted-length": {"weights_folder": "/gone"}})
    assert json.loads((out / "metrics.json").read_text())["scores"]["weighted-length"] == 4 * len("Pea Soup")
