"""`foodcap train --captioner gemma-3-4b --freeze lora`, as the README shows it, then `foodcap run --checkpoint`."""

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
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )


def test_train_gemma_with_lora_then_caption_from_the_checkpoint(tmp_path: Path) -> None:
    trained = foodcap(
        "train",
        "--captioner",
        "gemma-3-4b",
        "--freeze",
        "lora",
        "--random-weights",
        "tiny",
        "--dataset",
        "sample",
        "--limit",
        "8",
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--num-workers",
        "0",
        "--metrics",
        "",
        "--out",
        "train",
        cwd=tmp_path,
    )
    assert trained.returncode == 0, trained.stderr[-2000:]
    best = tmp_path / "train" / "best"
    assert json.loads((best / "adapter_config.json").read_text())["peft_type"] == "LORA"
    assert json.loads((best / "foodcap-vlm.json").read_text())["family"] == "gemma3"
    record = json.loads((tmp_path / "train" / "run.json").read_text())
    assert record["freeze_policy"] == "lora" and record["parameters"]["encoder"]["trainable"] == 0

    ran = foodcap(
        "run",
        "--captioner",
        "gemma-3-4b",
        "--checkpoint",
        str(best),
        "--dataset",
        "sample",
        "--split",
        "val",
        "--limit",
        "4",
        "--num-workers",
        "0",
        "--metrics",
        "",
        "--out",
        "run",
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["count"] == 4
