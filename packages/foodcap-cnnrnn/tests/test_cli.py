"""The README's commands as a user types them: `foodcap plugins`, `run` and `train` with the presets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FOODCAP = [sys.executable, "-c", "from foodcap.cli import main; main()"]


def foodcap(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FOODCAP, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "COLUMNS": "200"},
    )


def test_plugins_lists_the_presets(tmp_path: Path) -> None:
    listed = foodcap("plugins", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    for name in ("cnn-rnn", "cnn-rnn-baseline", "cnn-rnn-vgg19", "cnn-rnn-lstm"):
        assert rows[name]["kind"] == "captioner" and rows[name]["distribution"] == "foodcap-cnnrnn"


def test_run_the_baseline_with_random_weights_on_the_sample(tmp_path: Path) -> None:
    ran = foodcap(
        "run",
        "--captioner",
        "cnn-rnn-baseline",
        "--random-weights",
        "tiny",
        "--dataset",
        "sample",
        "--limit",
        "8",
        "--metrics",
        "",
        "--num-workers",
        "0",
        "--out",
        "run",
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    predictions = [json.loads(line) for line in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    assert len(predictions) == 8 and all(isinstance(p["caption"], str) for p in predictions)


def test_train_vgg19_with_a_frozen_cached_encoder_then_run_the_checkpoint(tmp_path: Path) -> None:
    trained = foodcap(
        "train",
        "--captioner",
        "cnn-rnn-vgg19",
        "--random-weights",
        "tiny",
        "--freeze",
        "encoder",
        "--cache-encoder",
        "--dataset",
        "sample",
        "--limit",
        "32",
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--num-workers",
        "0",
        "--metrics",
        "",
        "--out",
        "train",
        cwd=tmp_path,
    )
    assert trained.returncode == 0, trained.stderr[-2000:]
    record = json.loads((tmp_path / "train" / "run.json").read_text())
    assert record["freeze_policy"] == "encoder" and record["parameters"]["encoder"]["trainable"] == 0
    history = [json.loads(line) for line in (tmp_path / "train" / "history.jsonl").read_text().splitlines()]
    assert history[1]["val_loss"] < history[0]["val_loss"]
    config = json.loads((tmp_path / "train" / "best" / "foodcap-cnnrnn.json").read_text())
    assert config["encoder"] == "vgg19" and not config["encoder_trained"]

    ran = foodcap(  # no --captioner: the checkpoint names the preset that trained it
        "run",
        "--checkpoint",
        "train/best",
        "--dataset",
        "sample",
        "--split",
        "val",
        "--limit",
        "4",
        "--metrics",
        "",
        "--num-workers",
        "0",
        "--out",
        "run",
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert len((tmp_path / "run" / "predictions.jsonl").read_text().splitlines()) == 4
    assert json.loads((tmp_path / "run" / "run.json").read_text())["captioner"]["name"] == "cnn-rnn-vgg19"


def test_run_without_a_checkpoint_or_random_weights_is_one_line(tmp_path: Path) -> None:
    refused = foodcap("run", "--captioner", "cnn-rnn-lstm", "--dataset", "sample", "--metrics", "", cwd=tmp_path)
    assert refused.returncode == 2
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "needs --checkpoint" in lines[0] and "Traceback" not in refused.stderr
