"""Child processes a test starts and always ends: on success, failure or timeout, nothing is left running.

torchrun starts each rank in its own session, so ending the launcher's process group is not enough:
every process below the child, and each one's group, is SIGKILLed.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children first, then theirs), as /proc lists them now."""
    try:
        children = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []
    return [found for child in children for found in (child, *descendants(child))]


def end_tree(process: subprocess.Popen[Any]) -> None:
    """SIGKILL ``process``, its descendants and their process groups, and reap ``process``."""
    for pid in (process.pid, *descendants(process.pid)):
        for kill in (os.killpg, os.kill):  # killpg finds a group only where pid leads one
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    process.communicate(timeout=60)


@contextmanager
def started(command: Sequence[str], **popen: Any) -> Iterator[subprocess.Popen[str]]:
    """``Popen(command)`` in a new session, ended with everything below it when the block exits."""
    process = subprocess.Popen(list(command), text=True, start_new_session=True, **popen)
    try:
        yield process
    finally:
        end_tree(process)


def finished(command: Sequence[str], timeout: float, **popen: Any) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(command, capture_output=True)``, but a timeout ends every process below it too."""
    with started(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen) as process:
        stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(list(command), process.returncode, stdout, stderr)
