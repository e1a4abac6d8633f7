"""Pre-flight: run, train and sweep name every missing piece in one error before any model loads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from foodcap import Metric, MetricScore, hookimpl
from foodcap.cli import main
from foodcap.cli.doctor_command import doctor_command
from foodcap.config import DataConfig, EvalConfig, RunConfig
from foodcap.errors import FoodcapError
from foodcap.plugins import register_plugin, unregister_plugin
from foodcap.registry import get_registry, reset_registry
from foodcap.runs.runner import run
from foodcap.training import TrainConfig, TrainOptions, train

from conftest import COLOURS

QUIET = Console(quiet=True)
HERE = Path(__file__).parent


class NeedsOracle(Metric):
    """A metric whose resource is missing here, as METEOR is on a machine without WordNet."""

    name = "needs-oracle"

    @classmethod
    def missing_resources(cls) -> list[str]:
        return ["needs-oracle needs the oracle: apt-get install oracle"]

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        raise AssertionError("pre-flight should have stopped the run before scoring")


class OraclePlugin:
    @staticmethod
    @hookimpl
    def register_metrics(register: Callable[..., None]) -> None:
        register(NeedsOracle)


@pytest.fixture
def oracle_metric(fake_plugin: type) -> Iterator[None]:
    register_plugin(OraclePlugin, name="oracle-test")
    reset_registry()
    try:
        yield
    finally:
        unregister_plugin("oracle-test")
        reset_registry()


@pytest.fixture
def never_loads(fake_plugin: type, monkeypatch: pytest.MonkeyPatch) -> None:
    def load(cls: type, options: Any) -> None:
        raise AssertionError("a model was loaded before the pre-flight checks failed")

    monkeypatch.setattr(fake_plugin, "load", classmethod(load))


def run_config(dataset: Path | str, out: Path, metrics: list[str] | None = None, **options: Any) -> RunConfig:
    return RunConfig(
        captioner="fake",
        options={"titles": list(COLOURS), **options},
        out=out,
        data=DataConfig(dataset=str(dataset), batch_size=4, num_workers=0, limit=4),
        evaluation=EvalConfig(metrics=[] if metrics is None else metrics),
    )


def test_every_missing_piece_is_one_line_before_any_model_loads(
    oracle_metric: None, never_loads: None, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    config = run_config(
        tmp_path / "no-such-dataset",
        blocker,
        metrics=["needs-oracle", "no-such-metric"],
        checkpoint=str(tmp_path / "no-checkpoint"),
    )
    with pytest.raises(FoodcapError) as caught:
        run(config, get_registry(), QUIET)
    lines = str(caught.value).splitlines()
    assert lines[0] == "cannot start: 5 problem(s) found before loading any model:"
    assert lines[1] == f"  checkpoint: {tmp_path / 'no-checkpoint'} does not exist or is not a folder (--checkpoint)"
    assert lines[2] == "  metric needs-oracle: needs-oracle needs the oracle: apt-get install oracle"
    assert lines[3].startswith("  metric no-such-metric: unknown metric 'no-such-metric'")
    assert lines[4].startswith(f"  dataset: dataset {tmp_path / 'no-such-dataset'} does not exist")
    assert lines[5] == f"  output folder: {blocker} exists and is not a folder"


def test_invalid_options_are_named_with_their_flag(
    fake_plugin: type, never_loads: None, kaggle_folder: Path, tmp_path: Path
) -> None:
    with pytest.raises(FoodcapError, match=r"^invalid value for options.dtype \(--dtype\)"):
        run(
            run_config(kaggle_folder, tmp_path / "run", dtype="float8"),
            get_registry(),
            QUIET,
            {"options.dtype": "--dtype"},
        )


def test_an_unwritable_output_folder_is_named(kaggle_folder: Path, tmp_path: Path) -> None:
    """A real permission refusal, in a fresh `foodcap` process. Root ignores permission bits through its
    DAC capabilities, so as root (CI) the process runs without them, as an ordinary user would."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    drop = (
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"]
        if os.geteuid() == 0
        else []
    )
    args = [
        "run",
        "--captioner",
        "fake",
        "--dataset",
        str(kaggle_folder),
        "--metrics",
        "",
        "--num-workers",
        "0",
        "--out",
        str(locked / "run"),
    ]
    try:
        result = subprocess.run(
            [*drop, sys.executable, str(HERE / "fault_process.py"), *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(HERE), "COLUMNS": "200"},
        )
    finally:
        locked.chmod(0o700)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: {locked} is not writable"), result.stderr
    assert not (locked / "run").exists()


def test_too_little_free_space_is_named(
    fake_plugin: type, never_loads: None, kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=5 * 2**20))
    with pytest.raises(FoodcapError, match=r"^only 5 MiB free under .*needs at least 64 MiB"):
        run(run_config(kaggle_folder, tmp_path / "run"), get_registry(), QUIET)
    train_config = TrainConfig(
        captioner="fake",
        options={"titles": list(COLOURS)},
        out=tmp_path / "train",
        data=DataConfig(dataset=str(kaggle_folder), num_workers=0),
        evaluation=EvalConfig(metrics=[]),
        train=TrainOptions(best_metric="bleu-9"),
    )
    with pytest.raises(FoodcapError) as caught:
        train(train_config, get_registry(), QUIET)
    assert "needs at least 2048 MiB" in str(caught.value)
    assert "best metric: --best-metric 'bleu-9' is neither val_loss nor a chosen metric" in str(caught.value)


def test_the_cli_prints_the_lines_and_exits_2(
    oracle_metric: None, never_loads: None, kaggle_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "run",
                "--captioner",
                "fake",
                "--dataset",
                str(kaggle_folder),
                "--metrics",
                "needs-oracle",
                "--out",
                str(tmp_path / "run"),
                "--num-workers",
                "0",
            ]
        )
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: needs-oracle needs the oracle: apt-get install oracle"  # one problem, one line
    assert "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_doctor_shows_the_same_checks_as_a_table(oracle_metric: None) -> None:
    """A metric no default run uses lacks its resource: shown with its remedy, as optional (exit 0)."""
    result = CliRunner().invoke(doctor_command, [], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") == 4}
    assert {
        "Python",
        "torch",
        "metric needs-oracle",
        "Java",
        "wandb",
        "optuna",
        "matplotlib",
        "captioners",
        "default metrics",
    } <= rows.keys()
    assert "not installed (optional)" in rows["metric needs-oracle"]
    assert "apt-get install oracle" in rows["metric needs-oracle"]
    assert "plugin fake-test local" in rows and " ok " in rows["captioners"]
    assert "optional piece(s) not installed" in result.output and "problem(s)" not in result.output


def test_doctor_fails_only_for_what_a_default_run_needs(oracle_metric: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no default metric installed (only the oracle metric), a plain `foodcap run` cannot score: exit 1."""
    monkeypatch.setattr("foodcap.runs.scoring.DEFAULT_METRICS", ("not-installed-metric",))
    result = CliRunner().invoke(doctor_command, [], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") == 4}
    assert "missing" in rows["default metrics"] and "pip install foodcap-metrics" in rows["default metrics"]
    assert "1 problem(s): a default `foodcap run` stops before loading a model" in result.output


def test_train_takes_device_like_run(
    fake_plugin: type,
    never_loads: None,
    kaggle_folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch

    from foodcap.cli.train_command import train_command

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # the same answer on a machine with GPUs

    assert "device" in {param.name for param in train_command.params}
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "train",
                "--captioner",
                "fake",
                "--dataset",
                str(kaggle_folder),
                "--device",
                "cuda:7",
                "--metrics",
                "",
                "--out",
                str(tmp_path / "t"),
                "--num-workers",
                "0",
            ]
        )
    assert exited.value.code == 2  # the same refusal `run --device cuda:7` gives, before any model loads
    assert "error: device 'cuda:7' was asked for, but no CUDA GPU is available" in capsys.readouterr().err
