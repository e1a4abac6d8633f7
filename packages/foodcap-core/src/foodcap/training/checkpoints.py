"""A training folder's checkpoints: ``checkpoints/epoch-NNN`` (resumable) and ``best/`` (weights and config).

Every folder is written under a hidden ``.partial`` name and renamed into place, so a kill at any
moment leaves either the complete folder or none. A partial folder left by a kill is removed at the
next start; a kill during the very first checkpoint write therefore leaves nothing to resume, and
``--resume`` starts again from epoch 1 instead of failing.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..backend.checkpoint_files import checkpoint_problems
from ..captioner import TrainableCaptioner
from ..checkpoint_record import write_checkpoint_record
from ..errors import FoodcapError
from .state import load_state, load_trainable_weights, restore_rng, rng_state, save_state, trainable_weights

CHECKPOINTS = "checkpoints"
BEST = "best"
TRAINER_STATE = "trainer-state"


@dataclass
class Resumed:
    """Where a resumed training continues: the next epoch and the best-so-far record."""

    next_epoch: int
    best: dict[str, Any]


def finished_checkpoints(folder: Path) -> list[Path]:
    """Complete epoch checkpoints, oldest first (partial ones are never listed)."""
    return sorted((folder / CHECKPOINTS).glob("epoch-[0-9][0-9][0-9]"))


def remove_partials(folder: Path) -> None:
    """Delete what a killed write left behind (``.epoch-NNN.partial``, ``.best.partial``, ``.best.old``)."""
    for leftover in [*(folder / CHECKPOINTS).glob(".*.partial"), folder / f".{BEST}.partial"]:
        shutil.rmtree(leftover, ignore_errors=True)
    old = folder / f".{BEST}.old"
    if old.exists() and not (folder / BEST).exists():
        old.rename(folder / BEST)  # killed between the two renames of publish(): the previous best stands
    shutil.rmtree(old, ignore_errors=True)


def publish(staged: Path, target: Path) -> None:
    """Put a complete folder in place of ``target``; at every moment one of them is whole on disk."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staged.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def save_epoch(
    folder: Path,
    captioner: TrainableCaptioner,
    name: str,
    epoch: int,
    optimizer: Any,
    scheduler: Any,
    best: dict[str, Any],
    improved: bool,
    keep: int,
) -> None:
    """Write epoch ``epoch``'s checkpoint (weights, optimizer, scheduler, RNG, and ``foodcap.json`` naming the
    registered captioner ``name``), refresh ``best/`` when it improved (weights and config only), and keep the
    newest ``keep`` epoch checkpoints."""
    root = folder / CHECKPOINTS
    target = root / f"epoch-{epoch:03d}"
    partial = root / f".epoch-{epoch:03d}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    captioner.save_checkpoint(partial)
    write_checkpoint_record(partial, name)
    weights = trainable_weights(captioner.model)
    save_state(
        partial / TRAINER_STATE,
        {
            "epoch": epoch,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng": rng_state(),
            "best": best,
            "weights": weights,
        },
    )
    _sync_folder(partial)
    publish(partial, target)
    if improved:
        staged = folder / f".{BEST}.partial"
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(target, staged, ignore=shutil.ignore_patterns(TRAINER_STATE))
        save_state(staged / TRAINER_STATE, {"epoch": epoch, "weights": weights})  # no optimizer state
        _sync_folder(staged)
        publish(staged, folder / BEST)
    for older in finished_checkpoints(folder)[:-keep]:
        shutil.rmtree(older)


def resume(folder: Path, model: torch.nn.Module, optimizer: Any, scheduler: Any) -> Resumed | None:
    """Restore the newest complete checkpoint into the model, optimizer, scheduler and RNGs;
    None when a kill came before any checkpoint was finished (training starts from epoch 1)."""
    remove_partials(folder)
    checkpoints = finished_checkpoints(folder)
    if not checkpoints:
        return None
    problems = checkpoint_problems(checkpoints[-1])
    if problems:
        raise FoodcapError(f"cannot resume: {problems[0]}")
    state = load_state(checkpoints[-1] / TRAINER_STATE)
    try:
        load_trainable_weights(model, state["weights"])
    except KeyError as error:
        raise FoodcapError(
            f"cannot resume from {checkpoints[-1]}: {error.args[0]}; was it trained with another "
            "captioner or freeze policy?"
        ) from error
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    restore_rng(state["rng"])
    return Resumed(state["epoch"] + 1, dict(state["best"]))


def load_best_weights(folder: Path, model: torch.nn.Module) -> None:
    load_trainable_weights(model, load_state(folder / BEST / TRAINER_STATE)["weights"])


def _sync_folder(path: Path) -> None:
    """fsync every file of a folder before it is renamed into place (a crash must not publish empty files)."""
    for file in path.rglob("*"):
        if file.is_file():
            with file.open("rb") as handle:
                os.fsync(handle.fileno())
