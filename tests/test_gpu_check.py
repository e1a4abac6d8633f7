"""bench/gpu_check.py, the script for a lent GPU, runs as written: here with --tiny on the CPU."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from foodcap.registry import get_registry

from conftest import REPO


def test_the_gpu_check_runs_every_check_on_tiny_models(tmp_path: Path) -> None:
    out = tmp_path / "gpu-check.json"
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "packages/foodcap-core/bench/gpu_check.py"),
            "--tiny",
            "--images",
            "2",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    gemma = [row for row in rows if row["check"] == "gemma-3 forward"]
    assert [row["dtype"] for row in gemma] == ["float32", "float16"]
    assert all(isinstance(row["nan"], bool) and row["max_hidden"] > 0 for row in gemma)
    registry = get_registry()
    presets = {name for name in registry.captioners if registry.captioner_options(name, {}).model is not None}
    batches = {row["preset"]: row for row in rows if row["check"] == "one batch"}
    assert set(batches) == presets and all(row["images"] == 2 for row in batches.values())
    (from_bin,) = [row for row in rows if row["check"] == "vit-gpt2 from .bin"]
    assert from_bin["same_captions"] is True and from_bin["read"].startswith("pytorch_model.bin")
