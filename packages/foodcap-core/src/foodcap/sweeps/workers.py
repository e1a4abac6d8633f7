"""Several `foodcap sweep` workers on one study: the storage they share, who holds which trial, one summary.

Each trial records the worker running it (``host:pid``). A trial is dead when its worker is a
process on this machine that no longer exists, or when optuna's heartbeat has gone stale (for
workers on other machines, after ``GRACE_SECONDS``); a dead trial is marked failed and a fresh
trial takes its place, so a killed worker never leaves the study waiting.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import FoodcapError

HEARTBEAT_SECONDS = 20
GRACE_SECONDS = 90
WORKER = f"{socket.gethostname()}:{os.getpid()}"
SUMMARY_LOCK = ".sweep.lock"
OPEN_ATTEMPTS = 5
DRIVER_EXTRAS = {"postgresql": "sweep-postgresql", "mysql": "sweep-mysql"}


def open_storage(optuna: ModuleType, url: str) -> Any:
    """An optuna RDB storage with heartbeats; a missing driver or a bad URL is a one-line error."""
    import sqlalchemy
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except sqlalchemy.exc.ArgumentError as error:
        raise FoodcapError(f"--storage {url!r} is not a database URL (e.g. sqlite:///study.db)") from error
    shown = parsed.render_as_string(hide_password=True)
    # SQLite: writers wait for each other's lock instead of failing at once; servers: drop dead connections.
    engine = {"connect_args": {"timeout": 60}} if parsed.get_backend_name() == "sqlite" else {"pool_pre_ping": True}
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental" in optuna, and have been for years
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url, engine_kwargs=engine, heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS
                )
        except ImportError as error:  # optuna wraps the driver's ModuleNotFoundError
            extra = DRIVER_EXTRAS.get(parsed.get_backend_name(), "sweep")
            driver = getattr(error.__cause__, "name", None) or error.name or parsed.get_driver_name()
            raise FoodcapError(
                f"--storage {shown} needs the database driver {driver}: pip install 'foodcap-core[{extra}]'"
            ) from error
        except sqlalchemy.exc.SQLAlchemyError as error:
            # Workers starting together race to create the tables; the loser finds them on a retry.
            if attempt == OPEN_ATTEMPTS:
                raise FoodcapError(f"cannot open --storage {shown}: {str(error).splitlines()[0]}") from error
            time.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


def _process_gone(worker: str) -> bool:
    """Whether ``worker`` (host:pid) is a process of this machine that has ended."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's: its heartbeat decides
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def dead_trials(optuna: ModuleType, study: Any, unclaimed_are_dead: bool) -> list[Any]:
    """Running trials nobody runs any more; ``unclaimed_are_dead`` also counts ones no worker signed
    (left by a process that died before it could, as ``--resume`` of a lone sweep assumes)."""
    running = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    return [
        trial
        for trial in running
        if (trial.user_attrs.get("worker") is None and unclaimed_are_dead)
        or _process_gone(str(trial.user_attrs.get("worker", "")))
    ]


def claimed(optuna: ModuleType, study: Any) -> list[int]:
    """Numbers of the trials that count towards --trials: finished, or running in a live worker."""
    state = optuna.trial.TrialState
    return sorted(
        trial.number
        for trial in study.get_trials(
            deepcopy=False, states=(state.COMPLETE, state.PRUNED, state.RUNNING, state.WAITING)
        )
        if not trial.user_attrs.get("surplus")
    )


class SurplusTrial(Exception):
    """Raised for a trial another worker's made unnecessary: the study already holds --trials."""


@contextmanager
def summary_lock(out: Path) -> Iterator[None]:
    """One worker at a time reads the study and rewrites sweep.json and best: the last to write saw every trial."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / SUMMARY_LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
