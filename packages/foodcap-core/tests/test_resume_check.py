"""--resume continues only the same work; run records name the alias; one failing metric loses nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from foodcap import Metric, MetricScore, hookimpl
from foodcap.config import DataConfig, EvalConfig, RunConfig
from foodcap.errors import FoodcapError
from foodcap.plugins import register_plugin, unregister_plugin
from foodcap.registry import get_registry, reset_registry
from foodcap.runs.runner import run
from foodcap.training import TrainConfig, TrainOptions, train

from conftest import COLOURS
from fake_captioner import FakeCaptioner

QUIET = Console(quiet=True)


class FirstLetter(Metric):
    """1 where the caption starts like the reference."""

    name = "first-letter"

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        per_sample = [float(p[:1] == r[0][:1]) for p, r in zip(predictions, references)]
        return MetricScore(sum(per_sample) / len(per_sample), per_sample)


class Broken(Metric):
    name = "broken"

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        raise RuntimeError("the oracle crashed")


class AliasPlugin:
    """The fake captioner under a second name (as one Gemma class serves three sizes), and two metrics."""

    @staticmethod
    @hookimpl
    def register_captioners(register: Callable[..., None]) -> None:
        register(FakeCaptioner, name="fake-big")

    @staticmethod
    @hookimpl
    def register_metrics(register: Callable[..., None]) -> None:
        register(FirstLetter)
        register(Broken)


@pytest.fixture
def aliases(fake_plugin: type) -> Iterator[type[FakeCaptioner]]:
    register_plugin(AliasPlugin, name="alias-test")
    reset_registry()
    try:
        yield fake_plugin
    finally:
        unregister_plugin("alias-test")
        reset_registry()


def run_config(
    dataset: Path,
    out: Path,
    captioner: str = "fake",
    split: str = "test",
    metrics: list[str] | None = None,
    resume: bool = False,
    **options: Any,
) -> RunConfig:
    return RunConfig(
        captioner=captioner,
        options={"titles": list(COLOURS), **options},
        out=out,
        resume=resume,
        data=DataConfig(dataset=str(dataset), split=split, batch_size=4, num_workers=0),
        evaluation=EvalConfig(metrics=metrics or []),
    )


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_resume_refuses_other_work_naming_each_difference(
    aliases: type[FakeCaptioner], kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    run(run_config(kaggle_folder, out), get_registry(), QUIET)
    before = lines(out / "predictions.jsonl")
    aliases.generate_calls = 0
    other = run_config(kaggle_folder, out, captioner="fake-big", split="val", resume=True, generation={"num_beams": 3})
    with pytest.raises(FoodcapError) as caught:
        run(other, get_registry(), QUIET)
    assert str(caught.value).splitlines() == [
        f"cannot resume {out}: it holds other work (choose another --out):",
        "  captioner was 'fake', now 'fake-big'",
        "  options.generation.num_beams was None, now 3",
        "  split was 'test', now 'val'",
    ]
    assert aliases.generate_calls == 0
    assert lines(out / "predictions.jsonl") == before


def test_rescoring_a_finished_run_keeps_every_record_and_loads_no_model(
    aliases: type[FakeCaptioner], kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    run(run_config(kaggle_folder, out, captioner="fake-big"), get_registry(), QUIET)
    record = json.loads((out / "run.json").read_text())
    assert record["captioner"]["name"] == "fake-big"  # the alias the user chose...
    assert record["captioner"]["class"] == "fake_captioner.FakeCaptioner"  # ...with the class alongside
    assert record["captioner"]["class_name"] == "fake"
    foreign = {"id": "from-another-split", "image": "x.jpg", "reference": "Pea Soup", "caption": "Pea Soup"}
    with (out / "predictions.jsonl").open("a") as handle:
        handle.write(json.dumps(foreign) + "\n")
    count = len(lines(out / "predictions.jsonl"))

    def load(cls: type, options: Any) -> None:
        raise AssertionError("rescoring a finished run must not load the model")

    monkeypatch.setattr(aliases, "load", classmethod(load))
    result = run(
        run_config(kaggle_folder, out, captioner="fake-big", resume=True, metrics=["first-letter", "broken"]),
        get_registry(),
        QUIET,
    )
    assert set(result.scores.corpus) == {"first-letter"}
    assert result.scores.failures == {"broken": "RuntimeError: the oracle crashed"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["scores"] == {"first-letter": result.scores.corpus["first-letter"]}
    assert metrics["failures"] == {"broken": "RuntimeError: the oracle crashed"}
    records = [json.loads(line) for line in lines(out / "predictions.jsonl")]
    assert len(records) == count and records[-1] == foreign  # nothing the folder held was dropped
    scored = [r for r in records if r["id"] != foreign["id"]]
    assert all(set(r["scores"]) == {"first-letter"} for r in scored)
    expected = sum(r["caption"][:1] == r["reference"][:1] for r in scored) / len(scored)
    assert result.scores.corpus["first-letter"] == pytest.approx(expected)


def test_train_resume_refuses_another_captioner_before_loading(
    aliases: type[FakeCaptioner], kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def config(captioner: str, resume: bool) -> TrainConfig:
        return TrainConfig(
            captioner=captioner,
            options={"titles": list(COLOURS)},
            out=tmp_path / "t",
            resume=resume,
            data=DataConfig(dataset=str(kaggle_folder), batch_size=8, num_workers=0),
            evaluation=EvalConfig(metrics=[]),
            train=TrainOptions(epochs=1, test_eval=False),
        )

    train(config("fake", False), get_registry(), QUIET)
    record = json.loads((tmp_path / "t" / "run.json").read_text())
    assert record["captioner"]["name"] == "fake"

    def load(cls: type, options: Any) -> None:
        raise AssertionError("a refused resumption must not load a model")

    monkeypatch.setattr(aliases, "load", classmethod(load))
    with pytest.raises(FoodcapError, match=r"holds other work.*\n  captioner was 'fake', now 'fake-big'$"):
        train(config("fake-big", True), get_registry(), QUIET)


def test_a_finished_run_from_before_started_json_is_checked_from_its_records(
    aliases: type[FakeCaptioner], kaggle_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    run(run_config(kaggle_folder, out), get_registry(), QUIET)
    (out / "started.json").unlink()  # as an older foodcap left it: run.json and metrics.json only
    before = lines(out / "predictions.jsonl")
    with pytest.raises(FoodcapError) as caught:
        run(run_config(kaggle_folder, out, captioner="fake-big", split="val", resume=True), get_registry(), QUIET)
    assert str(caught.value).splitlines()[1:] == [
        "  captioner was 'fake', now 'fake-big'",
        "  split was 'test', now 'val'",
    ]
    assert lines(out / "predictions.jsonl") == before
    rescored = run(run_config(kaggle_folder, out, resume=True, metrics=["first-letter"]), get_registry(), QUIET)
    assert rescored.count == len(before) and (out / "started.json").is_file()
