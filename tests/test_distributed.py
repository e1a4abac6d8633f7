"""Several processes for real: `torchrun --nproc_per_node 2` (gloo, CPU) training and concurrent sweep workers."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import pytest
from safetensors.torch import load_file

from child_processes import finished, started

HERE = Path(__file__).resolve().parent
NO_DROPOUT = HERE / "no_dropout_foodcap.py"
BIN = Path(sys.executable).parent
ENV = {**os.environ, "COLUMNS": "200", "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
# Titles cut to one token (+ EOS), so every sample has as many label tokens as any other: the mean loss
# of a batch is then the mean over its samples, which is what DDP's averaging of two half-batches gives.
TRAIN = [
    "train",
    "--captioner",
    "vit-gpt2",
    "--random-weights",
    "tiny",
    "--dataset",
    "sample",
    "--limit",
    "80",
    "--lr",
    "1e-2",
    "--seed",
    "1",
    "--num-workers",
    "0",
    "-o",
    "max_title_tokens=2",
    "--metrics",
    "bleu-1,rouge-l",
]


def command(processes: int, *args: str, script: Path = NO_DROPOUT) -> list[str]:
    if processes == 1:
        return [sys.executable, str(script), *args]
    return [str(BIN / "torchrun"), "--standalone", "--nproc_per_node", str(processes), str(script), *args]


def run(cwd: Path, processes: int, *args: str) -> subprocess.CompletedProcess[str]:
    result = finished(command(processes, *args), 300, cwd=cwd, env=ENV)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def history(folder: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (folder / "history.jsonl").read_text().splitlines()]


def assert_same_history(ours: Path, reference: Path) -> None:
    """Epoch by epoch the same losses, val metrics, learning rate and best epoch (timings aside)."""
    rows, expected = history(ours), history(reference)
    assert [row["epoch"] for row in rows] == [row["epoch"] for row in expected]
    for row, want in zip(rows, expected):
        assert row["train_loss"] == pytest.approx(want["train_loss"], rel=1e-5)
        assert row["val_loss"] == pytest.approx(want["val_loss"], rel=1e-5)
        assert ("val_metrics" in row) == ("val_metrics" in want)
        assert row.get("val_metrics", {}) == pytest.approx(want.get("val_metrics", {}), rel=1e-6)
        assert row["lr"] == pytest.approx(want["lr"], abs=1e-12)
        assert row["best_epoch"] == want["best_epoch"]


def assert_same_weights(ours: Path, reference: Path) -> None:
    """Every weight within 1e-4 of the reference's, as README promises for N processes against one.

    Summation order differs (half-batches, then an all-reduce) and Adam magnifies that on parameters
    whose gradients are near zero; the largest difference measured was 2.6e-5, against steps of 1e-2.
    """
    theirs, mine = load_file(str(reference / "model.safetensors")), load_file(str(ours / "model.safetensors"))
    assert mine.keys() == theirs.keys()
    for name, value in theirs.items():
        largest = float((mine[name] - value).abs().max())
        assert largest <= 1e-4, f"{name} differs by up to {largest:.2e}"


@pytest.fixture(scope="module")
def one_and_two(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("ddp")
    # --eval-every 1 with two epochs: val captioning is sharded and gathered each epoch.
    one = run(
        root,
        1,
        *TRAIN,
        "--epochs",
        "2",
        "--batch-size",
        "8",
        "--grad-accum",
        "2",
        "--schedule",
        "cosine",
        "--out",
        "one",
    )
    two = run(
        root,
        2,
        *TRAIN,
        "--epochs",
        "2",
        "--batch-size",
        "4",
        "--grad-accum",
        "2",
        "--schedule",
        "cosine",
        "--out",
        "two",
    )
    return root / "one", root / "two", one, two


def test_two_processes_at_half_the_batch_train_exactly_like_one(one_and_two) -> None:  # type: ignore[no-untyped-def]
    one, two, _, _ = one_and_two
    assert [row["epoch"] for row in history(two)] == [1, 2]
    assert_same_history(two, one)  # one schedule, as long as one process's
    assert history(two)[-1]["lr"] == pytest.approx(0.0, abs=1e-12)  # cosine ended at zero, not climbing back
    assert_same_weights(two / "best", one / "best")

    def captions(folder: Path) -> list[str]:
        return [json.loads(line)["caption"] for line in (folder / "predictions.jsonl").read_text().splitlines()]

    assert captions(two) == captions(one) and len(captions(two)) == 30  # the test split, gathered in order
    record = json.loads((two / "run.json").read_text())
    assert record["processes"] == 2 and json.loads((one / "run.json").read_text())["processes"] == 1


def normalized(text: str) -> Counter[str]:
    """Lines with every number made '#': rates and timings differ, the lines printed must not."""
    return Counter(re.sub(r"\d+(\.\d+)?", "#", line).rstrip() for line in text.splitlines() if line.strip())


def test_every_line_appears_once_per_run_not_once_per_rank(one_and_two) -> None:  # type: ignore[no-untyped-def]
    _, _, one, two = one_and_two
    assert normalized(two.stdout.replace("folder: two", "folder: one")) == normalized(one.stdout)
    assert two.stdout.count("epoch 2/2: train loss") == 1 and two.stdout.count("training folder:") == 1
    assert normalized(two.stderr) == normalized(one.stderr)


def kill_launch(launcher: subprocess.Popen[str]) -> None:
    """SIGKILL torchrun's process group and each rank's (torchrun starts every rank in its own session),
    as a crashed machine would: nobody gets to clean up."""
    ranks = [int(pid) for pid in Path(f"/proc/{launcher.pid}/task/{launcher.pid}/children").read_text().split()]
    assert len(ranks) == 2
    for group in (launcher.pid, *ranks):
        os.killpg(group, signal.SIGKILL)
    launcher.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(running(pid) for pid in ranks) and time.monotonic() < deadline:
        time.sleep(0.05)


def running(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def test_a_two_process_run_killed_after_an_epoch_resumes_on_one_to_the_uninterrupted_result(tmp_path: Path) -> None:
    """SIGKILLed (every rank) as soon as an epoch's checkpoint and history row are written, resumed on one
    process at the same global batch: history and weights equal an uninterrupted one-process run's."""
    args = [*TRAIN, "--epochs", "3", "--grad-accum", "2", "--eval-every", "5", "--no-test-eval"]
    checkpoints = tmp_path / "run" / "checkpoints"
    with started(
        command(2, *args, "--batch-size", "4", "--out", "run"),
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as launcher:
        deadline = time.monotonic() + 240
        while not (finished_epochs(checkpoints) and history_rows(tmp_path / "run")) and launcher.poll() is None:
            assert time.monotonic() < deadline, "no epoch finished in time"
            time.sleep(0.02)
        kill_launch(launcher)
        assert launcher.returncode == -signal.SIGKILL, launcher.communicate()[0][-3000:]
    [done] = finished_epochs(checkpoints)  # killed at once: usually after epoch 1, always before the last
    assert done < 3 and [row["epoch"] for row in history(tmp_path / "run")] == list(range(1, done + 1))

    resumed = run(tmp_path, 1, *args, "--batch-size", "8", "--out", "run", "--resume")  # the same global batch
    assert f"resuming after epoch {done}" in resumed.stdout
    assert finished_epochs(checkpoints) == [3]
    assert json.loads((tmp_path / "run" / "run.json").read_text())["processes"] == 1
    run(tmp_path, 1, *args, "--batch-size", "8", "--out", "straight")
    assert_same_history(tmp_path / "run", tmp_path / "straight")
    assert_same_weights(checkpoints / "epoch-003", tmp_path / "straight" / "checkpoints" / "epoch-003")
    assert_same_weights(tmp_path / "run" / "best", tmp_path / "straight" / "best")


def finished_epochs(checkpoints: Path) -> list[int]:
    """The epochs whose checkpoint is complete (a partial one is a hidden .epoch-NNN.partial folder)."""
    if not checkpoints.exists():
        return []
    return sorted(int(p.name.removeprefix("epoch-")) for p in checkpoints.iterdir() if p.name.startswith("epoch-"))


def history_rows(folder: Path) -> int:
    path = folder / "history.jsonl"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_each_process_caches_its_own_part_of_the_encoder_outputs(tmp_path: Path) -> None:
    """With one step per epoch (each rank's batch holds its whole part of the train split), two processes
    drawing from their own cached parts take the very step one uncached process takes: same results."""
    common = [*TRAIN, "--limit", "24", "--epochs", "2", "--freeze", "encoder", "--no-test-eval"]
    result = run(tmp_path, 2, *common, "--batch-size", "16", "--cache-encoder", "--out", "cached")
    run(tmp_path, 1, *common, "--batch-size", "32", "--out", "plain")
    assert [row["epoch"] for row in history(tmp_path / "cached")] == [1, 2]
    assert_same_history(tmp_path / "cached", tmp_path / "plain")
    assert_same_weights(tmp_path / "cached" / "best", tmp_path / "plain" / "best")
    assert json.loads((tmp_path / "cached" / "run.json").read_text())["timings"]["encoder_cache_seconds"] > 0
    # Rank 0's bars count its own half of the 24 train and 24 val images; rank 1 prints nothing.
    assert result.stdout.count("caching encoder outputs") == 2 and "12/12" in result.stdout


SWEEP = [
    "sweep",
    "--captioner",
    "vit-gpt2",
    "--random-weights",
    "tiny",
    "--dataset",
    "sample",
    "--limit",
    "24",
    "--epochs",
    "1",
    "--search",
    "lr",
    "--num-workers",
    "0",
    "--metrics",
    "bleu-1",
    "--out",
    "sweep",
    "--study-name",
    "shared",
]


def study_trials(out: Path) -> list[object]:
    optuna = pytest.importorskip("optuna")
    return list(optuna.load_study(study_name="shared", storage=f"sqlite:///{out / 'shared.db'}").trials)


def test_two_concurrent_sweep_workers_share_one_study(tmp_path: Path) -> None:
    pytest.importorskip("optuna")
    args = [*SWEEP, "--trials", "3", "--storage", f"sqlite:///{tmp_path / 'sweep' / 'shared.db'}"]
    (tmp_path / "sweep").mkdir()
    with ExitStack() as stack:
        workers = [
            stack.enter_context(
                started(
                    [str(BIN / "foodcap"), *args],
                    cwd=tmp_path,
                    env=ENV,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
            )
            for _ in range(2)
        ]
        outputs = [worker.communicate(timeout=300)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    out = tmp_path / "sweep"
    trials = [t for t in study_trials(out) if not t.user_attrs.get("surplus")]  # type: ignore[attr-defined]
    finished = [t for t in trials if t.state.name in ("COMPLETE", "PRUNED")]  # type: ignore[attr-defined]
    assert len(finished) == 3 and len(trials) == 3
    numbers = [t.number for t in finished]  # type: ignore[attr-defined]
    assert len({t.params["lr"] for t in finished}) == 3  # type: ignore[attr-defined]  # no point tried twice
    assert len(set(numbers)) == 3 and sorted(p.name for p in (out / "trials").iterdir()) == [
        f"{n:03d}" for n in sorted(numbers)
    ]
    for number in numbers:
        folder = out / "trials" / f"{number:03d}"
        assert all(
            (folder / name).exists()
            for name in ("history.jsonl", "run.json", "metrics.json", "predictions.jsonl", "best/model.safetensors")
        )
    summary = json.loads((out / "sweep.json").read_text())
    assert sorted(row["number"] for row in summary["trials"] if row["state"] == "complete") == sorted(numbers)
    best = min(finished, key=lambda t: t.value)  # type: ignore[attr-defined]
    assert (out / "best").resolve() == (out / "trials" / f"{best.number:03d}").resolve()  # type: ignore[attr-defined]


def test_a_worker_killed_mid_trial_leaves_it_failed_and_another_worker_finishes_the_study(tmp_path: Path) -> None:
    pytest.importorskip("optuna")
    args = [
        *SWEEP,
        "--trials",
        "2",
        "--epochs",
        "2",
        "--limit",
        "16",
        "--batch-size",
        "1",
        "--storage",
        f"sqlite:///{tmp_path / 'sweep' / 'shared.db'}",
    ]
    (tmp_path / "sweep").mkdir()
    first_epoch = tmp_path / "sweep" / "trials" / "000" / "checkpoints" / "epoch-001"
    with started(
        [str(BIN / "foodcap"), *args], cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    ) as doomed:
        deadline = time.monotonic() + 120
        while not first_epoch.exists() and doomed.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first_epoch.exists(), doomed.communicate()[0][-3000:]
        os.killpg(doomed.pid, signal.SIGKILL)  # mid-trial: epoch 2 of trial 000 is running
        doomed.wait(timeout=30)

    survivor = finished([str(BIN / "foodcap"), *args], 300, cwd=tmp_path, env=ENV)
    assert survivor.returncode == 0, survivor.stdout[-3000:] + survivor.stderr[-3000:]
    assert "trial 0 did not finish; removed its partial folder" in survivor.stdout
    states = {t.number: t.state.name for t in study_trials(tmp_path / "sweep")}  # type: ignore[attr-defined]
    assert states == {0: "FAIL", 1: "COMPLETE", 2: "COMPLETE"}  # failed, not re-queued: a fresh trial replaced it
    assert sorted(p.name for p in (tmp_path / "sweep" / "trials").iterdir()) == ["001", "002"]
    summary = json.loads((tmp_path / "sweep" / "sweep.json").read_text())
    assert [(row["number"], row["state"]) for row in summary["trials"]] == [
        (0, "fail"),
        (1, "complete"),
        (2, "complete"),
    ]
