"""A training batch whose every image fails to decode is skipped and counted, not fatal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from foodcap.batches import loading as image_batches
from foodcap.config import DataConfig, EvalConfig
from foodcap.dataset import UnreadableImage
from foodcap.registry import get_registry
from foodcap.training import TrainConfig, TrainOptions, train

from conftest import COLOURS

QUIET = Console(quiet=True)


def test_an_all_failed_batch_is_skipped_and_counted(
    fake_plugin: type, kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = image_batches.open_rgb
    opened = {"count": 0}

    def first_batch_unreadable(path: Path):  # type: ignore[no-untyped-def]
        opened["count"] += 1
        if opened["count"] <= 8:  # the whole first training batch of epoch 1 (in-process loading)
            raise UnreadableImage("corrupt image data")
        return real_open(path)

    monkeypatch.setattr(image_batches, "open_rgb", first_batch_unreadable)
    config = TrainConfig(
        captioner="fake",
        options={"titles": list(COLOURS)},
        out=tmp_path / "t",
        data=DataConfig(dataset=str(kaggle_folder), batch_size=8, num_workers=0),
        evaluation=EvalConfig(metrics=[]),
        train=TrainOptions(epochs=2, lr=0.05, test_eval=False),
    )
    result = train(config, get_registry(), QUIET)
    assert result.history[0]["skipped_batches"] == 1
    assert "skipped_batches" not in result.history[1]
    assert all(row["train_loss"] > 0 for row in result.history)
    history = [json.loads(line) for line in (result.folder / "history.jsonl").read_text().splitlines()]
    assert history[0]["skipped_batches"] == 1


def test_under_ddp_every_process_skips_a_batch_that_failed_on_one(kaggle_folder: Path, tmp_path: Path) -> None:
    """torchrun, 2 processes, gloo: rank 1's first batch fails to decode; both ranks skip that step
    together (their gradient all-reduces still pair up) and training finishes."""
    import os
    import sys

    from child_processes import finished

    here = Path(__file__).parent
    torchrun = Path(sys.executable).parent / "torchrun"
    env = {**os.environ, "PYTHONPATH": str(here), "FOODCAP_TEST_KILL_AT": "unreadable:1:4"}
    result = finished(
        [
            str(torchrun),
            "--standalone",
            "--nproc_per_node",
            "2",
            str(here / "fault_process.py"),
            "train",
            "--captioner",
            "fake",
            "-o",
            "titles=" + json.dumps(list(COLOURS)),
            "--dataset",
            str(kaggle_folder),
            "--batch-size",
            "4",
            "--num-workers",
            "0",
            "--epochs",
            "2",
            "--metrics",
            "",
            "--no-test-eval",
            "--out",
            str(tmp_path / "t"),
        ],
        300,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    history = [json.loads(line) for line in (tmp_path / "t" / "history.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in history] == [1, 2]
    assert history[0]["skipped_batches"] == 1 and "skipped_batches" not in history[1]
