"""Faults as they happen: real processes, real signals, a real file-size limit, damaged checkpoint files.

A faulty run is `foodcap` in a fresh process (tests/fault_process.py adds the fake captioner and, when
asked, SIGKILLs itself at a named point); what follows it runs the same CLI in this process. Resuming
must end where an uninterrupted run ends, with nothing lost or duplicated.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from foodcap.cli import main

from child_processes import finished, started
from conftest import COLOURS

HERE = Path(__file__).parent
TITLES = "titles=" + json.dumps(list(COLOURS))


def foodcap(
    *args: str, kill_at: str | None = None, file_limit: int | None = None, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(HERE), "COLUMNS": "200"}
    env.pop("FOODCAP_TEST_KILL_AT", None)
    if kill_at:
        env["FOODCAP_TEST_KILL_AT"] = kill_at

    def limit_file_size() -> None:  # writes past the limit fail with EFBIG instead of killing with SIGXFSZ
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))  # type: ignore[arg-type]

    return finished(
        [sys.executable, str(HERE / "fault_process.py"), *args],
        timeout,
        env=env,
        preexec_fn=limit_file_size if file_limit else None,
    )


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def here(fake_plugin: type, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """The same CLI in this process (no interpreter start-up): for the runs that follow a fault."""

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def run_args(dataset: Path, out: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--captioner",
        "fake",
        "-o",
        TITLES,
        "--dataset",
        str(dataset),
        "--split",
        "all",
        "--batch-size",
        "4",
        "--num-workers",
        "0",
        "--metrics",
        "",
        "--out",
        str(out),
        *extra,
    ]


def train_args(dataset: Path, out: Path, *extra: str) -> list[str]:
    return [
        "train",
        "--captioner",
        "fake",
        "-o",
        TITLES,
        "--dataset",
        str(dataset),
        "--batch-size",
        "8",
        "--num-workers",
        "0",
        "--epochs",
        "3",
        "--lr",
        "0.05",
        "--seed",
        "3",
        "--metrics",
        "",
        "--out",
        str(out),
        *extra,
    ]


def predictions(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]


def part_files(out: Path) -> list[Path]:
    return sorted((out / "parts").glob("*.jsonl"))


def captioned(out: Path) -> list[dict]:
    """What the captioning processes made durable before the merge: every part's records."""
    return [json.loads(line) for path in part_files(out) for line in path.read_text(encoding="utf-8").splitlines()]


def assert_captioned_once(out: Path, total: int) -> None:
    """Every image captioned exactly once over all the parts, and the run says so: the merged
    predictions.jsonl keeps one record per id, so only the parts show work that was done twice."""
    ids = [record["id"] for record in captioned(out)]
    assert len(ids) == len(set(ids)) == total
    assert json.loads((out / "run.json").read_text())["captioned_twice"] == 0


def without_timings(out: Path) -> list[dict]:
    rows = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    return [{k: v for k, v in row.items() if k not in ("epoch_seconds", "train_images_per_second")} for row in rows]


def assert_same_training(resumed: Path, straight: Path) -> None:
    assert without_timings(resumed) == without_timings(straight)
    for part in ("checkpoints/epoch-003", "best"):
        expected = load_file(str(straight / part / "model.safetensors"))
        for name, value in load_file(str(resumed / part / "model.safetensors")).items():
            assert torch.equal(value, expected[name]), (part, name)
    assert predictions(resumed) == predictions(straight)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import write_kaggle_folder

    root = tmp_path_factory.mktemp("faults") / "food"
    write_kaggle_folder(root)
    return root


@pytest.fixture(scope="module")
def straight_training(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("straight") / "train"
    finished = foodcap(*train_args(dataset, out))
    assert finished.returncode == 0, finished.stderr
    return out


def test_sigkill_while_captioning_resumes_without_loss_or_duplicates(
    dataset: Path, straight_training: Path, tmp_path: Path, here
) -> None:  # noqa: ANN001
    """Mutation guarded: resume captions again the images a part already holds (runs/runner.py: each rank's share
    taken from the whole split instead of ``plan.todo``); the merged predictions hide it, the parts do not."""
    trained = ("--checkpoint", str(straight_training / "best"))  # fixed weights: every process captions alike
    out = tmp_path / "run"
    killed = foodcap(*run_args(dataset, out, *trained), kill_at="generate:5")
    assert killed.returncode == -signal.SIGKILL
    assert not (out / "predictions.jsonl").exists()  # killed before the merge
    assert len(captioned(out)) == 20  # five batches of four were durable before the kill
    resumed = here(*run_args(dataset, out, *trained, "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    assert "60 images in split 'all', 20 already captioned" in resumed.stdout
    ids = [record["id"] for record in predictions(out)]
    assert len(ids) == 60 == len(set(ids))
    assert_captioned_once(out, 60)
    straight = here(*run_args(dataset, tmp_path / "straight", *trained))
    assert straight.returncode == 0, straight.stderr
    assert predictions(out) == predictions(tmp_path / "straight")


@pytest.mark.parametrize("epoch", [1, 2], ids=["first-checkpoint", "second-checkpoint"])
def test_sigkill_during_a_checkpoint_write_resumes_to_the_uninterrupted_result(
    dataset: Path, straight_training: Path, tmp_path: Path, epoch: int
) -> None:
    out = tmp_path / "train"
    killed = foodcap(*train_args(dataset, out), kill_at=f"publish:{epoch}")
    assert killed.returncode == -signal.SIGKILL
    assert (out / "checkpoints" / f".epoch-{epoch:03d}.partial" / "model.safetensors").exists()
    assert not (out / "checkpoints" / f"epoch-{epoch:03d}").exists()
    resumed = foodcap(*train_args(dataset, out, "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    if epoch == 1:
        assert "no checkpoint was finished before the interruption: starting again from epoch 1" in resumed.stdout
    else:
        assert "resuming after epoch 1" in resumed.stdout
    assert sorted(path.name for path in (out / "checkpoints").iterdir()) == ["epoch-003"]  # no partial left
    assert_same_training(out, straight_training)


def test_killed_during_the_first_checkpoint_a_plain_rerun_is_not_refused(
    dataset: Path, straight_training: Path, tmp_path: Path
) -> None:
    out = tmp_path / "train"
    assert foodcap(*train_args(dataset, out), kill_at="publish:1").returncode == -signal.SIGKILL
    rerun = foodcap(*train_args(dataset, out))
    assert rerun.returncode == 0, rerun.stderr
    assert_same_training(out, straight_training)


def test_best_holds_weights_without_optimizer_state_and_k_checkpoints_are_kept(
    dataset: Path, straight_training: Path, tmp_path: Path, here
) -> None:  # noqa: ANN001
    best_state = json.loads((straight_training / "best" / "trainer-state" / "state.json").read_text())
    latest_state = json.loads(
        (straight_training / "checkpoints" / "epoch-003" / "trainer-state" / "state.json").read_text()
    )
    keys = lambda state: {pair[0] for pair in state["dict"]}  # noqa: E731 - the saved dict's keys
    assert keys(best_state) == {"epoch", "weights"}
    assert {"optimizer", "scheduler", "rng", "weights"} <= keys(latest_state)
    out = tmp_path / "keep"
    kept = here(*train_args(dataset, out, "--keep-checkpoints", "2", "--no-test-eval"))
    assert kept.returncode == 0, kept.stderr
    assert sorted(path.name for path in (out / "checkpoints").iterdir()) == ["epoch-002", "epoch-003"]


def test_sigint_stops_gracefully_and_says_how_to_resume(dataset: Path, tmp_path: Path, here) -> None:  # noqa: ANN001
    """Mutation guarded: resume captions again the images a part already holds (runs/runner.py: each rank's share
    taken from the whole split instead of ``plan.todo``); the merged predictions hide it, the parts do not."""
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(HERE), "FOODCAP_TEST_KILL_AT": "slow:0.2"}
    with started(
        [sys.executable, str(HERE / "fault_process.py"), *run_args(dataset, out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if (out / "parts").exists() and len(captioned(out)) >= 8:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted; finished work is kept: rerun the same command with --resume to continue" in stderr
    assert "Traceback" not in stderr
    done = len(captioned(out))
    assert 8 <= done < 60
    resumed = here(*run_args(dataset, out, "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    assert len({record["id"] for record in predictions(out)}) == len(predictions(out)) == 60
    assert_captioned_once(out, 60)


def test_disk_full_while_appending_is_one_line_with_no_torn_record(dataset: Path, tmp_path: Path, here) -> None:  # noqa: ANN001
    """Mutation guarded: resume captions again the images a part already holds (runs/runner.py: each rank's share
    taken from the whole split instead of ``plan.todo``); the merged predictions hide it, the parts do not."""
    out = tmp_path / "run"
    full = foodcap(*run_args(dataset, out), file_limit=4000)  # room for about 20 predictions
    assert full.returncode == 2, full.stderr
    message = full.stderr.strip()
    [part] = part_files(out)
    assert message.startswith(f"error: no space left to write {part} (File too large)")
    assert "continue with --resume" in message and "Traceback" not in message
    raw = part.read_bytes()
    assert raw.endswith(b"\n") and 0 < len(raw) <= 4000
    kept = captioned(out)  # every line parses: nothing torn
    assert len(kept) % 4 == 0  # whole batches only
    resumed = here(*run_args(dataset, out, "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(kept)} already captioned" in resumed.stdout
    assert len({record["id"] for record in predictions(out)}) == len(predictions(out)) == 60
    assert_captioned_once(out, 60)


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_a_damaged_safetensors_checkpoint_is_one_line_naming_the_file(
    dataset: Path, straight_training: Path, tmp_path: Path, damage: str, here
) -> None:  # noqa: ANN001
    import shutil

    checkpoint = tmp_path / "best"
    shutil.copytree(straight_training / "best", checkpoint)
    weights = checkpoint / "model.safetensors"
    raw = weights.read_bytes()
    weights.write_bytes(raw[: len(raw) // 2] if damage == "truncated" else b"\x00" * 8 + raw[8:])
    result = here(*run_args(dataset, tmp_path / "run", "--checkpoint", str(checkpoint)))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {weights} is ")
    assert "Traceback" not in result.stderr and not (tmp_path / "run" / "predictions.jsonl").exists()
