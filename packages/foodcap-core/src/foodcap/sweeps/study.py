"""`foodcap sweep`: an optuna study in DIR/study.db whose trials are ordinary training folders in DIR/trials/NNN.

The study lives in SQLite (or any ``--storage``), so a sweep killed at any point continues with
``--resume``: finished trials (complete or pruned) are kept and counted, and a trial cut off mid-way
is marked failed, its partial folder removed, and a fresh trial takes its place (it is not re-queued
with the same parameters). Workers given one ``--study-name`` share the study (see workers.py).
"""

from __future__ import annotations

import os
import shutil
import warnings
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
from rich.console import Console

from ..errors import FoodcapError
from ..preflight import extra_check, freeze_policy_check, require, train_checks
from ..registry import Registry
from ..runs.folder import write_json
from ..runs.resume import differences
from ..runs.scoring import settle_metrics
from ..training import TrainConfig, train
from .search_space import SweepConfig, SweepSpace
from .workers import WORKER, SurplusTrial, claimed, dead_trials, open_storage, summary_lock

STUDY_DB = "study.db"
TRIALS = "trials"
BEST = "best"
SUMMARY = "sweep.json"
STUDY_NAME = "foodcap-sweep"


def require_optuna() -> ModuleType:
    try:
        import optuna
    except ImportError as error:
        raise FoodcapError("foodcap sweep needs optuna: pip install 'foodcap-core[sweep]'") from error
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # the sweep prints its own line per trial
    return optuna


@dataclass
class SweepResult:
    folder: Path
    trials: list[dict[str, Any]]
    best_trial: int | None


def suggest(trial: Any, space: SweepSpace) -> dict[str, Any]:
    """One point of the search space, named like the TrainOptions/DataConfig fields it sets."""
    params: dict[str, Any] = {}
    if "lr" in space.search:
        params["lr"] = trial.suggest_float("lr", *space.lr_range, log=True)
    if "weight_decay" in space.search:
        params["weight_decay"] = trial.suggest_float("weight_decay", *space.weight_decay_range)
    if "warmup_ratio" in space.search:
        params["warmup_ratio"] = trial.suggest_float("warmup_ratio", *space.warmup_ratio_range)
    if "batch_size" in space.search:
        params["batch_size"] = trial.suggest_categorical("batch_size", space.batch_sizes)
    if "freeze" in space.search:
        params["freeze"] = trial.suggest_categorical("freeze", space.freeze_policies)
    return params


def trial_config(base: SweepConfig, params: Mapping[str, Any], folder: Path) -> TrainConfig:
    values = base.model_dump(exclude={"sweep"})
    values["train"].update({name: value for name, value in params.items() if name != "batch_size"})
    if "batch_size" in params:
        values["data"]["batch_size"] = params["batch_size"]
    values.update(out=folder, resume=False)
    return TrainConfig.model_validate(values)


class ValLossReporter:
    """Epoch callback: reports the val loss to optuna and stops the training when the pruner says so.

    The last epoch is never pruned: there is no training left to save, and finishing gives the trial
    its test evaluation.
    """

    def __init__(self, optuna: ModuleType, trial: Any, pruning: bool, last_epoch: int | None = None) -> None:
        self.optuna, self.trial, self.pruning, self.last_epoch = optuna, trial, pruning, last_epoch

    def __call__(self, row: dict[str, Any]) -> None:
        self.trial.report(row["val_loss"], step=row["epoch"])
        if self.pruning and row["epoch"] != self.last_epoch and self.trial.should_prune():
            raise self.optuna.TrialPruned(f"val loss {row['val_loss']:.4f} at epoch {row['epoch']}")


def _settings(config: SweepConfig) -> dict[str, Any]:
    """What must not change between a sweep and its resumption (the trial count and --out may)."""
    return config.model_dump(
        mode="json", exclude={"resume": True, "out": True, "sweep": {"trials", "storage", "study_name"}}
    )


def open_study(optuna: ModuleType, config: SweepConfig) -> Any:
    """The study in --out (alone: new, or --resume), or the named one shared with other workers."""
    out, space = config.out, config.sweep
    joining = space.study_name is not None
    if space.storage is None:
        started = (out / STUDY_DB).exists() or (out / TRIALS).exists()
        if started and not config.resume and not joining:
            raise FoodcapError(f"{out} already holds a sweep; pass --resume to continue it or choose another --out")
        if config.resume and not (out / STUDY_DB).exists():
            raise FoodcapError(f"cannot resume: {out} has no {STUDY_DB}")
        out.mkdir(parents=True, exist_ok=True)
    storage = open_storage(optuna, space.storage or f"sqlite:///{(out / STUDY_DB).resolve()}")
    out.mkdir(parents=True, exist_ok=True)
    name = space.study_name or STUDY_NAME
    exists = name in optuna.study.get_all_study_names(storage)
    if space.storage is not None and not joining and exists != config.resume:
        raise FoodcapError(
            f"study {name!r} already exists in --storage; pass --resume or a new --study-name"
            if exists
            else f"cannot resume: --storage has no study {name!r}"
        )
    pruner = (
        optuna.pruners.MedianPruner(n_startup_trials=space.prune_after_trials, n_warmup_steps=space.prune_from_epoch)
        if space.pruning
        else optuna.pruners.NopPruner()
    )
    study = optuna.create_study(
        storage=storage, study_name=name, direction="minimize", pruner=pruner, load_if_exists=True
    )
    settings = study.user_attrs.get("settings")
    if settings is None:
        study.set_user_attr("settings", _settings(config))
    elif config.resume or joining:
        found = differences(settings, _settings(config))
        if found:
            raise FoodcapError(
                f"cannot {'resume' if config.resume else 'join'} {name!r} with other settings: {'; '.join(found)}"
            )
    # Offset by the trials so far: a resumed sampler must not replay the points it already tried; parallel
    # workers also differ by process, and lie to TPE about running trials so they spread out.
    seed = space.sampler_seed + len(study.trials)
    if joining:  # mixed, not added: worker pids are often neighbours, and so would their seeds be
        seed = zlib.crc32(f"{seed}:{WORKER}".encode())
    study.sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=joining)
    return study


def retire_interrupted(
    optuna: ModuleType, study: Any, out: Path, console: Console, unclaimed_are_dead: bool = True
) -> None:
    """Mark trials whose worker died as failed, and remove failed trials' partial folders."""
    state = optuna.trial.TrialState
    for trial in dead_trials(optuna, study, unclaimed_are_dead):
        with warnings.catch_warnings():  # optuna warns that heartbeats expect optimize(); this is the cleanup
            warnings.simplefilter("ignore", UserWarning)
            study.tell(trial.number, state=state.FAIL, skip_if_finished=True)
    for trial in study.get_trials(deepcopy=False, states=(state.FAIL,)):
        folder = out / TRIALS / f"{trial.number:03d}"
        if folder.exists() and not trial.user_attrs.get("surplus"):
            shutil.rmtree(folder, ignore_errors=True)
            console.print(f"trial {trial.number} did not finish; removed its partial folder (a new trial replaces it)")


def point_best(study: Any, optuna: ModuleType, out: Path) -> None:
    """Make DIR/best a link to the best complete trial's folder (a copy where links are not allowed)."""
    if not study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        return
    target = Path(TRIALS) / f"{study.best_trial.number:03d}"
    link = out / BEST
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return
    staged = out / f".{BEST}.staged"
    if staged.is_symlink() or staged.is_file():
        staged.unlink()
    shutil.rmtree(staged, ignore_errors=True)
    try:
        staged.symlink_to(target, target_is_directory=True)
    except OSError:
        shutil.copytree(out / target, staged, symlinks=True)
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    os.replace(staged, link)


def trial_rows(study: Any) -> list[dict[str, Any]]:
    return [
        {
            "number": trial.number,
            "state": trial.state.name.lower(),
            "val_loss": trial.value,
            "epochs": len(trial.intermediate_values),
            "params": trial.params,
            "folder": trial.user_attrs.get("folder"),
        }
        for trial in study.get_trials(deepcopy=False)
        if not trial.user_attrs.get("surplus")
    ]


def _describe(params: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}" for name, value in params.items()
    )


def _outcome(trial: Any) -> str:
    if trial.state.name == "COMPLETE":
        return f"val loss {trial.value:.4f}"
    if trial.intermediate_values:
        epoch = max(trial.intermediate_values)
        return f"stopped after epoch {epoch}, val loss {trial.intermediate_values[epoch]:.4f}"
    return str(trial.user_attrs.get("failure", "no epoch finished"))


def run_sweep(
    config: SweepConfig, registry: Registry, console: Console, flags: dict[str, str] | None = None
) -> SweepResult:
    freeze_policies = config.sweep.freeze_policies if "freeze" in config.sweep.search else []
    require(
        [
            *train_checks(config, registry, flags),
            extra_check("optuna"),  # now, not in the fifth trial
            *(freeze_policy_check(registry, policy) for policy in freeze_policies),
        ]
    )
    optuna = require_optuna()
    out, space = config.out, config.sweep
    study = open_study(optuna, config)
    trial_base = settle_metrics(config, registry)  # the default metrics chosen (and announced) once, not per trial
    joining = space.study_name is not None
    retire_interrupted(optuna, study, out, console, unclaimed_are_dead=not joining)
    finished_states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    finished = len(study.get_trials(deepcopy=False, states=finished_states))
    if finished:
        console.print(f"resuming {out}: {finished} trial(s) finished, {max(0, space.trials - finished)} to go")

    surplus: list[int] = []

    def objective(trial: Any) -> float:
        trial.set_user_attr("worker", WORKER)
        if claimed(optuna, study).index(trial.number) >= space.trials:
            trial.set_user_attr("surplus", True)  # another worker took the last trial first
            surplus.append(trial.number)
            raise SurplusTrial
        params = suggest(trial, space)
        folder = out / TRIALS / f"{trial.number:03d}"
        trial.set_user_attr("folder", folder.relative_to(out).as_posix())
        console.rule(f"trial {trial.number}: {_describe(params)}")
        try:
            result = train(
                trial_config(trial_base, params, folder),
                registry,
                console,
                flags,
                callbacks=[ValLossReporter(optuna, trial, space.pruning, config.train.epochs)],
                tracker_group=out.name,
            )
        except torch.OutOfMemoryError:
            trial.set_user_attr("failure", "out of memory")
            raise
        return min(row["val_loss"] for row in result.history)

    def summarize() -> list[dict[str, Any]]:
        with summary_lock(out):
            point_best(study, optuna, out)
            rows = trial_rows(study)
            write_json(out / SUMMARY, {"trials_wanted": space.trials, "trials": rows})
        return rows

    def after_trial(study: Any, trial: Any) -> None:
        if not trial.user_attrs.get("surplus"):
            console.print(f"trial {trial.number} {trial.state.name.lower()}: {_outcome(trial)}")
            summarize()

    # --trials counts every worker's trials: claim one at a time while the study holds fewer.
    while len(claimed(optuna, study)) < space.trials:
        retire_interrupted(optuna, study, out, console, unclaimed_are_dead=False)
        # An out-of-memory trial (too large a batch) fails alone; the study goes on.
        study.optimize(objective, n_trials=1, callbacks=[after_trial], catch=(torch.OutOfMemoryError, SurplusTrial))
        if surplus:
            break
    rows = summarize()
    best = study.best_trial.number if any(row["state"] == "complete" for row in rows) else None
    return SweepResult(out, rows, best)
