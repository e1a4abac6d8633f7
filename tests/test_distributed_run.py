"""`foodcap run` over several processes for real: torchrun (gloo, 2 CPU processes), job-array shards,
a SIGKILLed rank resumed at another world size, and a double launch refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from child_processes import finished, started
from conftest import Cli

# The tiny random ViT-GPT2, on the sample's test split; one thread per process (2 cores, 2 ranks).
RUN = [
    "run",
    "--captioner",
    "vit-gpt2",
    "--random-weights",
    "tiny",
    "--dataset",
    "sample",
    "--batch-size",
    "4",
    "--num-workers",
    "0",
    "--metrics",
    "bleu-1,bleu-2,rouge-l,cider-d",
]
ENV = {"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}


def torchrun(processes: int, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        str(processes),
        "-m",
        "foodcap",
        *args,
    ]


def launched(cwd: Path, processes: int, *args: str) -> tuple[int, str, str]:
    """A torchrun launch run to its end (every process ended, even on a timeout)."""
    result = finished(torchrun(processes, *args), 300, cwd=cwd, env={**os.environ, **ENV})
    return result.returncode, result.stdout, result.stderr


def predictions(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]


def part_lines(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted((folder / "parts").glob("*.jsonl"))
        for line in path.read_text().splitlines()
        if line.endswith("}")
    ]


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: one ordinary process."""
    cwd = tmp_path_factory.mktemp("single")
    result = Cli(cwd)(*RUN, "--out", "run", env=ENV)
    assert result.returncode == 0, result.stderr
    return cwd / "run"


def assert_same_run(folder: Path, reference: Path) -> None:
    """Same records in the same (split) order with the same captions and scores; same corpus scores."""
    assert predictions(folder) == predictions(reference)
    ours, theirs = (json.loads((f / "metrics.json").read_text()) for f in (folder, reference))
    assert ours["scores"] == theirs["scores"] and ours["count"] == theirs["count"] > 0


def test_torchrun_two_processes_equals_one(single: Path, tmp_path: Path) -> None:
    code, out, err = launched(tmp_path, 2, *RUN, "--out", "run")
    assert code == 0, err
    assert_same_run(tmp_path / "run", single)
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["world_size"] == 2 and record["captioned_twice"] == 0
    ranks = sorted(p["rank"] for p in record["processes"])
    assert ranks == [0, 1]
    count = json.loads((single / "metrics.json").read_text())["count"]
    assert sum(p["images"] for p in record["processes"]) == count
    assert all(abs(p["images"] - count / 2) <= 1 for p in record["processes"])  # balanced shards
    assert all(p["images_per_second"] > 0 for p in record["processes"])
    # One console: rank 0's. The score table and the folder line appear once, not once per rank.
    assert out.count("run folder:") == 1 and out.count("bleu-1") == 1


def test_job_array_shards_then_merge_equals_one_process(single: Path, tmp_path: Path, foodcap: Cli) -> None:
    for index in (0, 2):
        result = foodcap(*RUN, "--out", "run", "--shard", f"{index}/3", env=ENV)
        assert result.returncode == 0, result.stderr
        assert "foodcap merge" in result.stdout and not (tmp_path / "run" / "metrics.json").exists()
    early = foodcap("merge", "run")
    assert early.returncode == 2
    assert "shard(s) 1/3 of 3 have not finished" in early.stderr and "Traceback" not in early.stderr
    assert not (tmp_path / "run" / "metrics.json").exists()
    result = foodcap(*RUN, "--out", "run", "--shard", "1/3", env=ENV)
    assert result.returncode == 0, result.stderr
    merged = foodcap("merge", "run")
    assert merged.returncode == 0, merged.stderr
    assert_same_run(tmp_path / "run", single)
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert sorted(p["shard"] for p in record["processes"]) == ["0/3", "1/3", "2/3"]


def wait_for(condition: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def rank_pid(folder: Path, rank: int) -> int | None:
    for status in (folder / "parts").glob("launch-*.json"):
        about = json.loads(status.read_text())
        if about["rank"] == rank and about["status"] == "running":
            return int(about["pid"])
    return None


def records_of(folder: Path, rank: int) -> int:
    return sum(len(p.read_text().splitlines()) for p in (folder / "parts").glob(f"launch-*-rank-{rank}-of-*.jsonl"))


def test_sigkilled_rank_resumes_on_another_world_size_without_redoing_or_losing(
    single: Path, tmp_path: Path, foodcap: Cli
) -> None:
    folder = tmp_path / "run"
    with started(
        torchrun(2, *RUN, "--batch-size", "1", "--out", "run"),
        cwd=tmp_path,
        env={**os.environ, **ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as launch:
        wait_for(lambda: folder.joinpath("parts").exists() and records_of(folder, 1) >= 3)
        pid = rank_pid(folder, 1)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # torchrun then stops rank 0 too
        launch.communicate(timeout=300)
        code = launch.returncode
    assert code != 0 and not (folder / "metrics.json").exists()
    before = part_lines(folder)
    total = json.loads((single / "metrics.json").read_text())["count"]
    assert 3 <= len(before) < total  # killed mid-way: some work done, some left

    result = foodcap(*RUN, "--out", "run", "--resume", env=ENV)  # one process now
    assert result.returncode == 0, result.stderr
    after = part_lines(folder)
    ids = [r["id"] for r in after]
    assert len(ids) == len(set(ids)) == total  # nothing captioned twice, nothing missing
    assert {r["id"] for r in before} <= set(ids)  # what the killed launch finished was kept, not redone
    assert_same_run(folder, single)
    assert json.loads((folder / "run.json").read_text())["captioned_twice"] == 0


def test_a_single_process_resumed_by_two(single: Path, tmp_path: Path, foodcap: Cli) -> None:
    folder = tmp_path / "run"
    script = Path(sys.executable).with_name("foodcap")
    with started(
        [str(script), *RUN, "--batch-size", "1", "--out", "run"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **ENV},
    ) as first:
        wait_for(lambda: folder.joinpath("parts").exists() and records_of(folder, 0) >= 4)
        first.send_signal(signal.SIGKILL)
        first.communicate()
    done = {r["id"] for r in part_lines(folder)}
    code, _, err = launched(tmp_path, 2, *RUN, "--out", "run", "--resume")
    assert code == 0, err
    ids = [r["id"] for r in part_lines(folder)]
    assert len(ids) == len(set(ids)) and done < set(ids)
    assert_same_run(folder, single)


def test_a_shard_launched_twice_is_refused(tmp_path: Path, foodcap: Cli) -> None:
    folder = tmp_path / "run"
    script = Path(sys.executable).with_name("foodcap")
    with started(
        [str(script), *RUN, "--batch-size", "1", "--split", "all", "--out", "run", "--shard", "0/2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **ENV},
    ) as first:
        wait_for(lambda: folder.joinpath("parts", "shard-0-of-2.json").exists())
        first.send_signal(signal.SIGSTOP)  # frozen mid-shard, still holding its locks, however fast it is
        second = foodcap(*RUN, "--batch-size", "1", "--split", "all", "--out", "run", "--shard", "0/2", env=ENV)
        assert second.returncode == 2
        assert "shard-0-of-2" in second.stderr and "another process" in second.stderr
        whole = foodcap(*RUN, "--split", "all", "--out", "run", "--resume", env=ENV)  # a merge-and-finish
        assert whole.returncode == 2 and "another foodcap process is working" in whole.stderr
    assert not (folder / "metrics.json").exists()
    lines = (folder / "parts" / "shard-0-of-2.jsonl").read_text().splitlines()
    ids = [json.loads(line)["id"] for line in lines if line.endswith("}")]
    assert len(ids) == len(set(ids))  # the refused launch wrote nothing into the first one's part


def test_device_map_is_refused_by_a_captioner_that_cannot_spread(foodcap: Cli) -> None:
    result = foodcap(*RUN, "--device-map", "auto", "--out", "run", env=ENV)
    assert result.returncode == 2 and "cannot be spread over devices" in result.stderr
    bad = foodcap(*RUN, "--shard", "3/3", "--out", "run", env=ENV)
    assert bad.returncode == 2 and "invalid shard 3/3" in bad.stderr and "Traceback" not in bad.stderr
