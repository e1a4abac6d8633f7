from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from rich.console import Console
from safetensors.torch import load_file

from foodcap.config import DataConfig, EvalConfig
from foodcap.errors import FoodcapError
from foodcap.registry import get_registry
from foodcap.training import TrainConfig, TrainOptions, train

from conftest import COLOURS

QUIET = Console(quiet=True)


def config(folder: Path, out: Path, **train_options: object) -> TrainConfig:
    options = {"epochs": 4, "lr": 0.05, "seed": 3, **train_options}
    return TrainConfig(captioner="fake", options={"titles": list(COLOURS)}, out=out,
                       data=DataConfig(dataset=str(folder), batch_size=8, num_workers=0),
                       evaluation=EvalConfig(metrics=[]), train=TrainOptions(**options))


def weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


def test_training_lowers_val_loss_and_writes_history_checkpoints_and_test_run(
        fake_plugin: type, kaggle_folder: Path, tmp_path: Path) -> None:
    result = train(config(kaggle_folder, tmp_path / "t"), get_registry(), QUIET)
    history = [json.loads(x) for x in (result.folder / "history.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in history] == [1, 2, 3, 4]
    assert history[-1]["val_loss"] < history[0]["val_loss"]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert sorted(p.name for p in (result.folder / "checkpoints").iterdir()) == ["epoch-004"]
    assert (result.folder / "best" / "model.safetensors").exists()
    record = json.loads((result.folder / "run.json").read_text())
    assert record["kind"] == "train" and record["freeze_policy"] == "none"
    assert record["parameters"]["total"]["frozen"] == 0
    predictions = (result.folder / "predictions.jsonl").read_text().splitlines()
    assert len(predictions) == record["split_sizes"]["test"]


@pytest.mark.parametrize("policy, frozen, trained", [("encoder", "encoder", "decoder"), ("decoder", "decoder", "encoder")])
def test_freeze_policy_keeps_frozen_weights_bit_identical(fake_plugin: type, kaggle_folder: Path, tmp_path: Path,
                                                          policy: str, frozen: str, trained: str) -> None:
    torch.manual_seed(3)  # the trainer seeds with 3 before building the model, so this is its initial state
    initial = fake_plugin.load(get_registry().captioner_options("fake", {"titles": list(COLOURS)})).model.state_dict()
    result = train(config(kaggle_folder, tmp_path / policy, epochs=2, freeze=policy), get_registry(), QUIET)
    after = weights(result.folder / "best")
    for name, value in initial.items():
        if name.startswith(frozen):
            assert torch.equal(after[name], value), name
        if name.startswith(trained):
            assert not torch.equal(after[name], value), name
    counts = json.loads((result.folder / "run.json").read_text())["parameters"]
    assert counts[frozen]["trainable"] == 0 and counts[frozen]["frozen"] > 0
    assert counts[trained]["frozen"] == 0 and counts[trained]["trainable"] > 0


def test_resume_matches_an_uninterrupted_run(fake_plugin: type, kaggle_folder: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    straight = train(config(kaggle_folder, tmp_path / "straight"), get_registry(), QUIET)

    from foodcap.training import loop

    real_val_loss = loop.Trainer._val_loss
    calls = {"n": 0}

    def interrupt_in_epoch_three(self, loader):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_val_loss(self, loader)

    monkeypatch.setattr(loop.Trainer, "_val_loss", interrupt_in_epoch_three)
    with pytest.raises(KeyboardInterrupt):
        train(config(kaggle_folder, tmp_path / "resumed"), get_registry(), QUIET)
    monkeypatch.setattr(loop.Trainer, "_val_loss", real_val_loss)
    with pytest.raises(FoodcapError, match="--resume"):
        train(config(kaggle_folder, tmp_path / "resumed"), get_registry(), QUIET)
    resumed = train(config(kaggle_folder, tmp_path / "resumed").model_copy(update={"resume": True}),
                    get_registry(), QUIET)

    timing = {"epoch_seconds", "train_images_per_second"}
    strip = lambda rows: [{k: v for k, v in row.items() if k not in timing} for row in rows]  # noqa: E731
    assert strip(resumed.history) == strip(straight.history)
    final = lambda run: weights(run.folder / "checkpoints" / "epoch-004")  # noqa: E731
    for name, value in final(straight).items():
        assert torch.equal(final(resumed)[name], value), name


def test_cached_encoder_training_matches_uncached(fake_plugin: type, kaggle_folder: Path, tmp_path: Path) -> None:
    plain = train(config(kaggle_folder, tmp_path / "plain", freeze="encoder", epochs=2), get_registry(), QUIET)
    cached = train(config(kaggle_folder, tmp_path / "cached", freeze="encoder", epochs=2, cache_encoder=True),
                   get_registry(), QUIET)
    assert [r["train_loss"] for r in cached.history] == pytest.approx([r["train_loss"] for r in plain.history], rel=1e-5)
    with pytest.raises(FoodcapError, match="frozen encoder"):
        train(config(kaggle_folder, tmp_path / "bad", cache_encoder=True), get_registry(), QUIET)


def test_early_stopping_and_the_best_checkpoint_follow_the_chosen_metric(
        fake_plugin: type, kaggle_folder: Path, tmp_path: Path) -> None:
    # A learning rate so large that val loss gets worse after the first epoch: patience 1 stops at epoch 2.
    result = train(config(kaggle_folder, tmp_path / "t", lr=50.0, epochs=6, patience=1, seed=0), get_registry(), QUIET)
    losses = [row["val_loss"] for row in result.history]
    assert len(losses) < 6
    assert result.history[-1]["best_epoch"] == 1 + losses.index(min(losses))
    state = json.loads((result.folder / "run.json").read_text())["best"]
    assert state["epoch"] == result.history[-1]["best_epoch"]
