from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from rich.console import Console
from safetensors.torch import load_file

from foodcap.config import DataConfig, EvalConfig
from foodcap.errors import FoodcapError
from foodcap.registry import get_registry
from foodcap.training import TrainConfig, TrainOptions, train
from foodcap.training.state import load_state

from conftest import COLOURS
from report_runs import fake_plugins

QUIET = Console(quiet=True)


def config(
    folder: Path,
    out: Path,
    batch_size: int = 8,
    metrics: list[str] | None = None,
    options: dict[str, Any] | None = None,
    **train_options: object,
) -> TrainConfig:
    chosen = {"epochs": 4, "lr": 0.05, "seed": 3, **train_options}
    return TrainConfig(
        captioner="fake",
        options=options or {"titles": list(COLOURS)},
        out=out,
        data=DataConfig(dataset=str(folder), batch_size=batch_size, num_workers=0),
        evaluation=EvalConfig(metrics=metrics or []),
        train=TrainOptions(**chosen),
    )


def weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


def test_training_lowers_val_loss_and_writes_history_checkpoints_and_test_run(
    fake_plugin: type, kaggle_folder: Path, tmp_path: Path
) -> None:
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


@pytest.mark.parametrize(
    "policy, frozen, trained", [("encoder", "encoder", "decoder"), ("decoder", "decoder", "encoder")]
)
def test_freeze_policy_keeps_frozen_weights_bit_identical(
    fake_plugin: type, kaggle_folder: Path, tmp_path: Path, policy: str, frozen: str, trained: str
) -> None:
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


def test_resume_matches_an_uninterrupted_run(
    fake_plugin: type, kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    resumed = train(
        config(kaggle_folder, tmp_path / "resumed").model_copy(update={"resume": True}), get_registry(), QUIET
    )

    timing = {"epoch_seconds", "train_images_per_second"}
    strip = lambda rows: [{k: v for k, v in row.items() if k not in timing} for row in rows]  # noqa: E731
    assert strip(resumed.history) == strip(straight.history)
    final = lambda run: weights(run.folder / "checkpoints" / "epoch-004")  # noqa: E731
    for name, value in final(straight).items():
        assert torch.equal(final(resumed)[name], value), name


def test_cached_encoder_training_matches_uncached(fake_plugin: type, kaggle_folder: Path, tmp_path: Path) -> None:
    plain = train(config(kaggle_folder, tmp_path / "plain", freeze="encoder", epochs=2), get_registry(), QUIET)
    cached = train(
        config(kaggle_folder, tmp_path / "cached", freeze="encoder", epochs=2, cache_encoder=True),
        get_registry(),
        QUIET,
    )
    assert [r["train_loss"] for r in cached.history] == pytest.approx(
        [r["train_loss"] for r in plain.history], rel=1e-5
    )
    with pytest.raises(FoodcapError, match="frozen encoder"):
        train(config(kaggle_folder, tmp_path / "bad", cache_encoder=True), get_registry(), QUIET)


def scripted(monkeypatch: pytest.MonkeyPatch, method: str, values: list[Any]) -> None:
    """Let ``Trainer.method`` run for real but report ``values`` in turn (one per epoch)."""
    from foodcap.training import loop

    real, answers = getattr(loop.Trainer, method), iter(values)

    def scripted_method(self: Any, *args: Any) -> Any:
        real(self, *args)
        return next(answers)

    monkeypatch.setattr(loop.Trainer, method, scripted_method)


def best_state_epoch(folder: Path) -> int:
    return int(load_state(folder / "best" / "trainer-state")["epoch"])


@pytest.mark.parametrize("patience, stop", [(1, 3), (2, 4), (3, 5)])
def test_early_stopping_stops_at_exactly_the_epoch_the_patience_implies(
    fake_plugin: type, kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, patience: int, stop: int
) -> None:
    # Best at epoch 2; epoch 4 only ties it (no improvement); epoch 7 would improve, if training got there.
    scripted(monkeypatch, "_val_loss", [3.0, 2.0, 2.5, 2.0, 2.6, 2.7, 1.0, 0.5])
    result = train(config(kaggle_folder, tmp_path / "t", epochs=8, patience=patience), get_registry(), QUIET)
    assert [row["epoch"] for row in result.history] == list(range(1, stop + 1))
    assert [row["best_epoch"] for row in result.history] == [1] + [2] * (stop - 1)
    assert json.loads((result.folder / "run.json").read_text())["best"] == {"value": 2.0, "epoch": 2, "stale": patience}
    assert best_state_epoch(result.folder) == 2  # best/ holds epoch 2's weights, not the last epoch's
    assert sorted(p.name for p in (result.folder / "checkpoints").iterdir()) == [f"epoch-{stop:03d}"]


def test_a_best_metric_other_than_val_loss_picks_the_checkpoint_and_stops(
    kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # word-overlap is higher-is-better: 0.6 at epoch 2 is not beaten by epoch 3 (0.5) or epoch 4 (0.6).
    scripted(monkeypatch, "_val_metrics", [{"word-overlap": v} for v in (0.2, 0.6, 0.5, 0.6, 0.9, 0.9)])
    with fake_plugins():
        result = train(
            config(
                kaggle_folder,
                tmp_path / "t",
                epochs=6,
                patience=2,
                best_metric="word-overlap",
                metrics=["word-overlap"],
            ),
            get_registry(),
            QUIET,
        )
    losses = [row["val_loss"] for row in result.history]
    assert len(result.history) == 4 and result.history[-1]["best_epoch"] == 2
    assert min(losses) < losses[1]  # val loss would have chosen another epoch
    assert best_state_epoch(result.folder) == 2
    with fake_plugins(), pytest.raises(FoodcapError, match="--best-metric 'bleu-4'"):
        train(
            config(kaggle_folder, tmp_path / "bad", best_metric="bleu-4", metrics=["word-overlap"]),
            get_registry(),
            QUIET,
        )


def test_gradient_accumulation_takes_the_steps_of_a_larger_batch(
    fake_plugin: type, kaggle_folder: Path, tmp_path: Path
) -> None:
    """Batch 5 x 2 accumulated == batch 10: the same samples per step, each weighted 1/step size (the short
    last step of an epoch too), and one scheduler step per optimizer step."""
    still = {"titles": list(COLOURS), "dropout": 0.0}
    accumulated = train(
        config(kaggle_folder, tmp_path / "acc", epochs=2, grad_accum=2, batch_size=5, options=still),
        get_registry(),
        QUIET,
    )
    large = train(
        config(kaggle_folder, tmp_path / "large", epochs=2, batch_size=10, options=still), get_registry(), QUIET
    )
    assert [r["train_loss"] for r in accumulated.history] == pytest.approx(
        [r["train_loss"] for r in large.history], rel=1e-6
    )
    assert [r["lr"] for r in accumulated.history] == [r["lr"] for r in large.history]
    assert accumulated.history[-1]["lr"] == 0.0  # the linear schedule ran exactly to its end
    for name, value in weights(large.folder / "best").items():
        torch.testing.assert_close(weights(accumulated.folder / "best")[name], value, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "schedule, curve",
    [
        ("constant", lambda progress: 1.0),
        ("linear", lambda progress: 1.0 - progress),
        ("cosine", lambda progress: 0.5 * (1.0 + math.cos(math.pi * progress))),
    ],
)
def test_schedules_follow_their_curve_to_the_last_step(
    fake_plugin: type, kaggle_folder: Path, tmp_path: Path, schedule: str, curve: Callable[[float], float]
) -> None:
    result = train(
        config(kaggle_folder, tmp_path / schedule, epochs=4, schedule=schedule, grad_accum=3, lr=0.01, test_eval=False),
        get_registry(),
        QUIET,
    )
    # Every epoch takes the same number of steps, so epoch e ends at e/4 of the schedule.
    assert [row["lr"] for row in result.history] == pytest.approx(
        [0.01 * curve(e / 4) for e in (1, 2, 3, 4)], abs=1e-12
    )


def test_resuming_on_a_machine_with_fewer_gpus_restores_the_ones_it_has(monkeypatch: pytest.MonkeyPatch) -> None:
    from foodcap.training import state

    saved = state.rng_state()
    saved["cuda"] = [torch.zeros(16, dtype=torch.uint8), torch.ones(16, dtype=torch.uint8)]  # saved on 2 GPUs
    restored: list[tuple[int, torch.Tensor]] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "set_rng_state", lambda value, device: restored.append((device, value)))
    state.restore_rng(saved)
    assert [device for device, _ in restored] == [0] and torch.equal(restored[0][1], saved["cuda"][0])
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    state.restore_rng(saved)  # and on a CPU-only machine: nothing to restore there, no error
    assert len(restored) == 1
