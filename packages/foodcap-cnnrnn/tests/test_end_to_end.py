"""Through core's trainer and runner: the train split's vocabulary, resuming, and encoder caching."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from rich.console import Console
from safetensors.torch import load_file

from foodcap.config import DataConfig, EvalConfig, RunConfig
from foodcap.dataset.split_data import load_split_data
from foodcap.registry import get_registry
from foodcap.runs.runner import run
from foodcap.training import TrainConfig, TrainOptions, train
from foodcap_cnnrnn.checkpoint import CONFIG_FILE, DECODER_FILE
from foodcap_cnnrnn.vocabulary import TitleVocabulary

QUIET = Console(quiet=True)
SMALL = {"random_weights": "tiny", "hidden_size": 64, "embedding_size": 32}


def config(out: Path, captioner: str = "cnn-rnn-baseline", limit: int = 48, **train_options: Any) -> TrainConfig:
    chosen = {"epochs": 2, "lr": 3e-3, "test_eval": False, **train_options}
    return TrainConfig(
        captioner=captioner,
        options=dict(SMALL),
        out=out,
        data=DataConfig(dataset="sample", batch_size=16, num_workers=0, limit=limit),
        evaluation=EvalConfig(metrics=[]),
        train=TrainOptions(**chosen),
    )


def test_the_vocabulary_comes_from_the_train_split_and_best_captions_through_run(tmp_path: Path) -> None:
    settings = config(tmp_path / "train", limit=12, epochs=1)  # 12 train titles leave test words unseen
    result = train(settings, get_registry(), QUIET)
    saved = json.loads((result.folder / "best" / CONFIG_FILE).read_text())
    data = load_split_data(settings.data)
    train_titles = [sample.title for sample in data.training_samples("train", settings.data.limit)]
    assert saved["vocabulary"] == TitleVocabulary.from_titles(train_titles, "word", 10_000).items
    train_words = {word for title in train_titles for word in title.split()}
    unseen = {word for sample in data.samples("test") for word in sample.title.split()} - train_words
    assert unseen and not unseen & set(saved["vocabulary"]), "test-only words must not be in the vocabulary"

    ran = run(
        RunConfig(
            captioner="cnn-rnn-baseline",
            options={"checkpoint": str(result.folder / "best")},
            out=tmp_path / "run",
            data=DataConfig(dataset="sample", split="val", limit=8, num_workers=0),
            evaluation=EvalConfig(metrics=[]),
        ),
        get_registry(),
        QUIET,
    )
    predictions = [json.loads(line) for line in (ran.folder / "predictions.jsonl").read_text().splitlines()]
    assert len(predictions) == 8
    words = {word for p in predictions for word in p["caption"].split()}
    assert words and words <= set(saved["vocabulary"])
    described = json.loads((ran.folder / "run.json").read_text())["captioner"]
    assert described["vocabulary_size"] == len(saved["vocabulary"]) and described["options"]["random_weights"] == "tiny"


def test_resume_matches_an_uninterrupted_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    straight = train(config(tmp_path / "straight"), get_registry(), QUIET)

    from foodcap.training import loop

    real_val_loss = loop.Trainer._val_loss
    calls = {"n": 0}

    def interrupt_in_epoch_two(self, loader):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_val_loss(self, loader)

    monkeypatch.setattr(loop.Trainer, "_val_loss", interrupt_in_epoch_two)
    with pytest.raises(KeyboardInterrupt):
        train(config(tmp_path / "resumed"), get_registry(), QUIET)
    monkeypatch.setattr(loop.Trainer, "_val_loss", real_val_loss)
    resumed = train(config(tmp_path / "resumed").model_copy(update={"resume": True}), get_registry(), QUIET)

    timing = {"epoch_seconds", "train_images_per_second"}
    assert [{k: v for k, v in row.items() if k not in timing} for row in resumed.history] == [
        {k: v for k, v in row.items() if k not in timing} for row in straight.history
    ]
    assert straight.history[1]["val_loss"] < straight.history[0]["val_loss"]
    final = [load_file(str(run.folder / "checkpoints" / "epoch-002" / DECODER_FILE)) for run in (straight, resumed)]
    for name, value in final[0].items():
        assert torch.equal(final[1][name], value), name


def test_cached_encoder_training_matches_uncached(tmp_path: Path) -> None:
    plain = train(config(tmp_path / "plain", captioner="cnn-rnn-vgg19", freeze="encoder"), get_registry(), QUIET)
    cached = train(
        config(tmp_path / "cached", captioner="cnn-rnn-vgg19", freeze="encoder", cache_encoder=True),
        get_registry(),
        QUIET,
    )
    assert [r["train_loss"] for r in cached.history] == pytest.approx(
        [r["train_loss"] for r in plain.history], rel=1e-4
    )
    record = json.loads((cached.folder / "run.json").read_text())
    assert record["parameters"]["encoder"]["trainable"] == 0 and "encoder_cache_seconds" in record["timings"]
