"""Run folders for the compare/report tests: a zero-shot run and a short training of the fake captioner.

They are built once per test session and shared read-only; the fake plugin (with a word-overlap
metric, so per-sample scores vary) is registered only while they are being written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from rich.console import Console

from foodcap import Metric, MetricScore, check_corpus, hookimpl
from foodcap.config import DataConfig, EvalConfig, RunConfig
from foodcap.plugins import register_plugin, unregister_plugin
from foodcap.registry import get_registry, reset_registry
from foodcap.runs.runner import run
from foodcap.training import TrainConfig, TrainOptions, train

from conftest import COLOURS, write_kaggle_folder
from fake_captioner import FakePlugin

QUIET = Console(quiet=True)


class WordOverlap(Metric):
    """Share of the reference's words that the caption contains (per sample), averaged over the corpus."""

    name = "word-overlap"

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        check_corpus(predictions, references)
        per_sample = []
        for prediction, refs in zip(predictions, references):
            words, wanted = set(prediction.lower().split()), refs[0].lower().split()
            per_sample.append(sum(word in words for word in wanted) / len(wanted))
        return MetricScore(sum(per_sample) / len(per_sample), per_sample)


class OverlapPlugin:
    @staticmethod
    @hookimpl
    def register_metrics(register: Callable[..., None]) -> None:
        register(WordOverlap)


@dataclass(frozen=True)
class ReportRuns:
    dataset: Path
    zero_shot: Path
    trained: Path


def data(dataset: Path, **overrides: object) -> DataConfig:
    return DataConfig(**{"dataset": str(dataset), "batch_size": 8, "num_workers": 0, **overrides})


def zero_shot_run(dataset: Path, out: Path, **overrides: object) -> Path:
    torch.manual_seed(0)  # the untrained classifier's random weights decide its captions
    config = RunConfig(
        captioner="fake",
        options={"titles": list(COLOURS)},
        out=out,
        data=data(dataset, **overrides),
        evaluation=EvalConfig(metrics=["word-overlap"]),
    )
    return run(config, get_registry(), QUIET).folder


def trained_run(dataset: Path, out: Path, **train_options: object) -> Path:
    options = {"epochs": 3, "lr": 0.05, "seed": 3, **train_options}
    config = TrainConfig(
        captioner="fake",
        options={"titles": list(COLOURS)},
        out=out,
        data=data(dataset),
        evaluation=EvalConfig(metrics=["word-overlap"]),
        train=TrainOptions(**options),
    )
    return train(config, get_registry(), QUIET).folder


@pytest.fixture(scope="session", name="report_runs")
def report_runs_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReportRuns]:
    root = tmp_path_factory.mktemp("report-runs")
    write_kaggle_folder(root / "food")
    with fake_plugins():
        runs = ReportRuns(
            root / "food",
            zero_shot_run(root / "food", root / "zero-shot"),
            trained_run(root / "food", root / "fine-tuned"),
        )
    yield runs


@contextmanager
def fake_plugins() -> Iterator[None]:
    """The fake captioner and the overlap metric, registered for the duration of a ``with`` block."""
    register_plugin(FakePlugin, name="report-fake")
    register_plugin(OverlapPlugin, name="report-overlap")
    reset_registry()
    try:
        yield
    finally:
        unregister_plugin("report-fake")
        unregister_plugin("report-overlap")
        reset_registry()
