"""`foodcap run` on WebDataset shards for real: 2 torchrun processes (gloo) and 3 `--shard` job processes
merged give exactly the files of one process; a pattern that matches nothing is one line and exit 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from PIL import Image

from conftest import Cli

COLOURS = {"red": (200, 40, 40), "green": (60, 160, 60), "white": (235, 235, 230), "purple": (120, 50, 140)}
ENV = {"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}


def write_shards(root: Path, shards: int = 4, per_shard: int = 9) -> str:
    root.mkdir(parents=True)
    names = list(COLOURS)
    for shard in range(shards):
        with tarfile.open(root / f"{shard:05d}.tar", "w") as archive:
            for index in range(shard * per_shard, (shard + 1) * per_shard):
                colour = names[index % len(names)]
                image = io.BytesIO()
                Image.new("RGB", (8, 8), COLOURS[colour]).save(image, format="PNG")
                shown = colour if index % 3 else names[(index + 1) % len(names)]  # some captions are wrong
                for name, data in (
                    (f"{index:06d}.png", image.getvalue()),
                    (f"{index:06d}.txt", f"{shown} dish".encode()),
                ):
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
    return str(root / f"{{00000..{shards - 1:05d}}}.tar")


def run_args(pattern: str) -> list[str]:
    return [
        "run",
        "--captioner",
        "dominant-colour",
        "--dataset",
        pattern,
        "--split",
        "all",
        "--batch-size",
        "4",
        "--num-workers",
        "1",
        "--metrics",
        "bleu-1,cider-d,exact-match",
    ]


def files(folder: Path) -> tuple[str, object]:
    metrics = json.loads((folder / "metrics.json").read_text())
    return (folder / "predictions.jsonl").read_text(), (metrics["scores"], metrics["count"])


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    root = tmp_path_factory.mktemp("sharded")
    pattern = write_shards(root / "data")
    result = Cli(root)(*run_args(pattern), "--out", "one", env=ENV)
    assert result.returncode == 0, result.stderr
    return pattern, root / "one"


def test_torchrun_two_processes_equal_one(shards: tuple[str, Path], tmp_path: Path) -> None:
    pattern, one = shards
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "foodcap",
        *run_args(pattern),
        "--out",
        "two",
    ]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=300, env={**os.environ, **ENV}
    )
    assert result.returncode == 0, result.stderr
    assert files(tmp_path / "two") == files(one)
    record = json.loads((tmp_path / "two" / "run.json").read_text())
    assigned = sorted(p["assigned"] for p in record["processes"])
    assert assigned == [[[0, 0, 1], [2, 0, 1]], [[1, 0, 1], [3, 0, 1]]]  # whole input shards per rank
    assert json.loads((one / "metrics.json").read_text())["count"] == 36


def test_shard_jobs_merged_equal_one(shards: tuple[str, Path], tmp_path: Path, foodcap: Cli) -> None:
    pattern, one = shards
    jobs = [
        subprocess.Popen(
            [
                str(Path(sys.executable).with_name("foodcap")),
                *run_args(pattern),
                "--out",
                "jobs",
                "--shard",
                f"{index}/3",
            ],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **ENV},
        )
        for index in range(3)
    ]
    for job in jobs:
        _, err = job.communicate(timeout=300)
        assert job.returncode == 0, err
    merged = foodcap("merge", "jobs", env=ENV)
    assert merged.returncode == 0, merged.stderr
    assert files(tmp_path / "jobs") == files(one)


def test_a_pattern_matching_nothing_is_one_line_and_exit_2(tmp_path: Path, foodcap: Cli) -> None:
    result = foodcap(*run_args(f"webdataset:{tmp_path}/none-{{00000..00009}}.tar"), "--out", "run", env=ENV)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "matches no .tar shard" in result.stderr
