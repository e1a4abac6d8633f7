"""`foodcap train` then `foodcap run --checkpoint`, through core's trainer and runner, offline."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from foodcap.config import DataConfig, EvalConfig, RunConfig
from foodcap.registry import get_registry
from foodcap.runs.runner import run
from foodcap.training import TrainConfig, TrainOptions, train

QUIET = Console(quiet=True)


@pytest.mark.parametrize("captioner, cache_encoder", [("llama-lora-1b", False), ("llama-lora-3b", True)])
def test_train_with_lora_policy_then_run_from_the_best_checkpoint(tmp_path, captioner, cache_encoder):
    registry = get_registry()
    config = TrainConfig(
        captioner=captioner,
        options={"random_weights": "tiny"},
        out=tmp_path / "train",
        data=DataConfig(dataset="sample", batch_size=16, num_workers=0, limit=32),
        evaluation=EvalConfig(metrics=[]),
        train=TrainOptions(freeze="lora", epochs=1, lr=3e-3, cache_encoder=cache_encoder, test_eval=False),
    )
    result = train(config, registry, QUIET)
    best = result.folder / "best"
    assert (best / "foodcap-llama.json").is_file()
    assert (best / "adapter" / "adapter_model.safetensors").is_file() and (best / "projector.safetensors").is_file()
    record = json.loads((result.folder / "run.json").read_text())
    counts = record["parameters"]
    assert counts["decoder"]["trainable"] == counts["encoder"]["trainable"] == 0
    assert counts["adapter"]["trainable"] > 0 and counts["projector"]["trainable"] > 0

    # --random-weights is not repeated: the checkpoint knows its bases were random.
    ran = run(
        RunConfig(
            captioner=captioner,
            options={"checkpoint": str(best)},
            out=tmp_path / "run",
            data=DataConfig(dataset="sample", split="val", limit=8, num_workers=0),
            evaluation=EvalConfig(metrics=[]),
        ),
        registry,
        QUIET,
    )
    predictions = [json.loads(line) for line in (ran.folder / "predictions.jsonl").read_text().splitlines()]
    assert len(predictions) == 8 and all(isinstance(p["caption"], str) for p in predictions)
    described = json.loads((ran.folder / "run.json").read_text())["captioner"]
    assert described["architecture"]["random_weights"] == "tiny"


def test_training_starts_from_pretrained_bases_without_a_checkpoint(tmp_path, saved_bases):
    config = TrainConfig(
        captioner="llama-lora-1b",
        options=dict(saved_bases),
        out=tmp_path / "train",
        data=DataConfig(dataset="sample", batch_size=16, num_workers=0, limit=16),
        evaluation=EvalConfig(metrics=[]),
        train=TrainOptions(epochs=1, test_eval=False),  # lora by default
    )
    result = train(config, get_registry(), QUIET)
    assert json.loads((result.folder / "run.json").read_text())["freeze_policy"] == "lora"
    saved = json.loads((result.folder / "best" / "foodcap-llama.json").read_text())
    assert saved["language_model"] == saved_bases["model"] and saved["random_weights"] is None
