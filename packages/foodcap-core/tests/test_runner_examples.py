"""The runner hands captioners the train split for few-shot examples, and never the evaluated images."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console

from foodcap.config import DataConfig, EvalConfig, RunConfig
from foodcap.dataset import Sample, load_kaggle_dataset, split_manifest
from foodcap.registry import get_registry
from foodcap.runs.runner import run

from conftest import COLOURS


@pytest.mark.parametrize("split", ["test", "val", "train", "all"])
def test_use_examples_gets_the_train_split_unless_train_is_evaluated(
    fake_plugin: type, kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split: str
) -> None:
    pools: list[list[str]] = []

    def record(self: object, pool: Sequence[Sample]) -> None:
        pools.append([sample.id for sample in pool])

    monkeypatch.setattr(fake_plugin, "use_examples", record)
    config = RunConfig(
        captioner="fake",
        options={"titles": list(COLOURS)},
        out=tmp_path / "run",
        data=DataConfig(dataset=str(kaggle_folder), split=split, num_workers=0),
        evaluation=EvalConfig(metrics=[]),
    )
    run(config, get_registry(), Console(quiet=True))
    dataset = load_kaggle_dataset(str(kaggle_folder))
    manifest = split_manifest(dataset.samples)
    expected = [] if split in ("train", "all") else manifest.ids("train")
    assert pools == [expected]
    assert not set(pools[0]) & set(manifest.ids(split))
