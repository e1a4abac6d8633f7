"""`foodcap sweep`: trials are training folders, val loss drives optuna, and a killed sweep resumes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from foodcap.cli import main
from foodcap.errors import FoodcapError
from foodcap.registry import get_registry
from foodcap.reports import compare_runs, load_runs
from foodcap.sweeps import SweepConfig, SweepSpace
from foodcap.training import TrainOptions

from conftest import COLOURS
from report_runs import QUIET, data, fake_plugins

optuna = pytest.importorskip("optuna", reason="the sweep extra is not installed")
from foodcap.sweeps import study as sweep_study  # noqa: E402 - needs optuna

STATE = optuna.trial.TrialState


def config(dataset: Path, out: Path, trials: int = 3, **space: Any) -> SweepConfig:
    space = {
        "trials": trials,
        "search": ["lr", "freeze", "batch_size"],
        "lr_range": (0.01, 0.1),
        "freeze_policies": ["none", "encoder"],
        "batch_sizes": [8, 16],
        "prune_after_trials": 1,
        **space,
    }
    return SweepConfig(
        captioner="fake",
        options={"titles": list(COLOURS)},
        out=out,
        data=data(dataset),
        evaluation={"metrics": ["word-overlap"]},
        train=TrainOptions(epochs=2, seed=3),
        sweep=SweepSpace(**space),
    )


def history(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "history.jsonl").read_text().splitlines()]


def load_study(out: Path) -> Any:
    return optuna.load_study(study_name=sweep_study.STUDY_NAME, storage=f"sqlite:///{out / 'study.db'}")


def test_three_trials_are_training_folders_and_best_points_at_the_lowest_val_loss(
    kaggle_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sweep"
    with fake_plugins():
        result = sweep_study.run_sweep(config(kaggle_folder, out), get_registry(), QUIET)
    study = load_study(out)
    assert len(study.trials) == 3 and all(t.state in (STATE.COMPLETE, STATE.PRUNED) for t in study.trials)
    for trial in study.trials:
        folder = out / "trials" / f"{trial.number:03d}"
        rows = history(folder)
        # What optuna saw is what the training wrote: the val loss after each epoch.
        assert trial.intermediate_values == {row["epoch"]: row["val_loss"] for row in rows}
        if trial.state == STATE.COMPLETE:
            assert trial.value == min(row["val_loss"] for row in rows)
            record = json.loads((folder / "run.json").read_text())
            assert record["config"]["train"]["lr"] == trial.params["lr"]
            assert record["freeze_policy"] == trial.params["freeze"]
            assert record["config"]["data"]["batch_size"] == trial.params["batch_size"]
            assert 0.01 <= trial.params["lr"] <= 0.1
    best = study.best_trial
    assert result.best_trial == best.number
    assert (out / "best").resolve() == (out / "trials" / f"{best.number:03d}").resolve()
    summary = json.loads((out / "sweep.json").read_text())
    assert [row["number"] for row in summary["trials"]] == [0, 1, 2]

    comparison = compare_runs(load_runs([out / "best", out / "trials" / "000"]))  # a normal run folder
    assert comparison.labels == ["sweep/best", "000"] and comparison.mismatches == []


def test_a_killed_sweep_resumes_without_redoing_finished_trials(
    kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "sweep"
    report = sweep_study.ValLossReporter.__call__

    def killed_in_second_trial(self: Any, row: dict[str, Any]) -> None:
        if self.trial.number == 1:
            raise KeyboardInterrupt
        report(self, row)

    trainings: list[Path] = []
    real_train = sweep_study.train

    def counting_train(config: Any, *args: Any, **kwargs: Any) -> Any:
        trainings.append(config.out)
        return real_train(config, *args, **kwargs)

    monkeypatch.setattr(sweep_study, "train", counting_train)
    with fake_plugins():
        monkeypatch.setattr(sweep_study.ValLossReporter, "__call__", killed_in_second_trial)
        with pytest.raises(KeyboardInterrupt):
            sweep_study.run_sweep(config(kaggle_folder, out), get_registry(), QUIET)
        monkeypatch.setattr(sweep_study.ValLossReporter, "__call__", report)
        assert [t.state for t in load_study(out).trials] == [STATE.COMPLETE, STATE.FAIL]
        first = out / "trials" / "000"
        finished = {name: (first / name).read_bytes() for name in ("history.jsonl", "metrics.json", "run.json")}
        assert (out / "trials" / "001" / "history.jsonl").exists()

        with pytest.raises(FoodcapError, match="pass --resume"):
            sweep_study.run_sweep(config(kaggle_folder, out), get_registry(), QUIET)
        with pytest.raises(FoodcapError, match="other settings: sweep.lr_range"):
            sweep_study.run_sweep(
                config(kaggle_folder, out, lr_range=(0.01, 0.2)).model_copy(update={"resume": True}),
                get_registry(),
                QUIET,
            )
        trainings.clear()
        sweep_study.run_sweep(config(kaggle_folder, out).model_copy(update={"resume": True}), get_registry(), QUIET)

    assert trainings == [out / "trials" / "002", out / "trials" / "003"]  # only the two missing trials ran
    trials = load_study(out).trials
    assert [t.state for t in trials][:2] == [STATE.COMPLETE, STATE.FAIL]
    assert sum(t.state in (STATE.COMPLETE, STATE.PRUNED) for t in trials) == 3
    assert {name: (first / name).read_bytes() for name in finished} == finished  # trial 0 was left alone
    assert not (out / "trials" / "001").exists()  # the interrupted trial's partial folder is gone
    assert sorted(p.name for p in (out / "trials").iterdir()) == ["000", "002", "003"]


def test_a_trial_left_running_by_a_dead_process_is_retired(kaggle_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    with fake_plugins():
        study = sweep_study.open_study(optuna, config(kaggle_folder, out, trials=1))
        study.ask()  # what a SIGKILL mid-trial leaves behind: a RUNNING trial nobody will finish
        (out / "trials" / "000" / "checkpoints").mkdir(parents=True)
        sweep_study.run_sweep(
            config(kaggle_folder, out, trials=1).model_copy(update={"resume": True}), get_registry(), QUIET
        )
    assert [t.state for t in load_study(out).trials] == [STATE.FAIL, STATE.COMPLETE]
    assert sorted(p.name for p in (out / "trials").iterdir()) == ["001"]


def test_pruning_stops_a_trial_whose_val_loss_trails_the_median() -> None:
    study = optuna.create_study(pruner=optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=1))
    good = study.ask()
    for epoch in (1, 2, 3):
        sweep_study.ValLossReporter(optuna, good, pruning=True)({"epoch": epoch, "val_loss": 0.5})
    study.tell(good, 0.5)

    worse = study.ask()
    sweep_study.ValLossReporter(optuna, worse, pruning=False)({"epoch": 1, "val_loss": 3.0})  # no pruning: goes on
    sweep_study.ValLossReporter(optuna, worse, pruning=True, last_epoch=2)({"epoch": 2, "val_loss": 3.0})  # the end
    with pytest.raises(optuna.TrialPruned, match="val loss 3.0000 at epoch 3"):
        sweep_study.ValLossReporter(optuna, worse, pruning=True, last_epoch=4)({"epoch": 3, "val_loss": 3.0})
    assert worse.should_prune()


def test_sweep_command_reads_the_space_from_the_config_file(
    kaggle_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sweep.toml").write_text(
        f'captioner = "fake"\n[options]\ntitles = {json.dumps(list(COLOURS))}\n'
        f'[data]\ndataset = "{kaggle_folder}"\nnum_workers = 0\n[evaluation]\nmetrics = ["word-overlap"]\n'
        '[train]\nepochs = 1\n[sweep]\ntrials = 1\nsearch = ["lr", "weight_decay"]\nlr_range = [0.02, 0.03]\n'
        "weight_decay_range = [0.0, 0.0]\n"
    )
    with fake_plugins():
        main(["sweep", "--config", str(tmp_path / "sweep.toml"), "--out", str(tmp_path / "s")])
        printed = capsys.readouterr().out
        with pytest.raises(SystemExit) as exit_info:
            main(
                [
                    "sweep",
                    "--config",
                    str(tmp_path / "sweep.toml"),
                    "--out",
                    str(tmp_path / "bad"),
                    "--lr-range",
                    "0.1,0.01",
                ]
            )
    [trial] = load_study(tmp_path / "s").trials
    assert set(trial.params) == {"lr", "weight_decay"} and 0.02 <= trial.params["lr"] <= 0.03
    assert trial.params["weight_decay"] == 0.0
    assert "Sweep trials" in printed and "best trial: 000" in printed
    assert exit_info.value.code == 2
    assert "sweep.lr_range (--lr-range)" in capsys.readouterr().err


def test_without_optuna_a_one_line_error_names_the_extra(
    kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(FoodcapError, match=r"pip install 'foodcap-core\[sweep\]'"):
        sweep_study.run_sweep(config(kaggle_folder, tmp_path / "s"), get_registry(), QUIET)
    assert not (tmp_path / "s").exists()


def test_storage_urls_and_joining_workers_fail_in_one_line(
    kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(FoodcapError, match="'nonsense' is not a database URL"):
        sweep_study.open_study(optuna, config(kaggle_folder, tmp_path / "a", storage="nonsense"))
    monkeypatch.setitem(sys.modules, "psycopg", None)  # the driver is not installed
    with pytest.raises(FoodcapError, match=r"driver psycopg: pip install 'foodcap-core\[sweep-postgresql\]'") as error:
        sweep_study.open_study(optuna, config(kaggle_folder, tmp_path / "b", storage="postgresql://me:pw@db/optuna"))
    assert "pw" not in str(error.value)  # the password is never printed

    shared = {"storage": f"sqlite:///{tmp_path / 'shared.db'}", "study_name": "s"}
    first = sweep_study.open_study(optuna, config(kaggle_folder, tmp_path / "w1", **shared))
    second = sweep_study.open_study(optuna, config(kaggle_folder, tmp_path / "w2", trials=7, **shared))
    assert first.study_name == second.study_name == "s"  # a worker joins (with its own --trials and --out)
    with pytest.raises(FoodcapError, match="cannot join 's' with other settings: sweep.lr_range"):
        sweep_study.open_study(optuna, config(kaggle_folder, tmp_path / "w3", lr_range=(0.01, 0.5), **shared))
    alone = config(kaggle_folder, tmp_path / "w4", storage=shared["storage"])  # no --study-name: a lone sweep
    sweep_study.open_study(optuna, alone)
    with pytest.raises(FoodcapError, match="already exists in --storage; pass --resume or a new --study-name"):
        sweep_study.open_study(optuna, alone)
    with pytest.raises(FoodcapError, match="cannot resume: --storage has no study 'foodcap-sweep'"):
        sweep_study.open_study(
            optuna,
            config(kaggle_folder, tmp_path / "w5", storage=f"sqlite:///{tmp_path / 'no.db'}").model_copy(
                update={"resume": True}
            ),
        )
