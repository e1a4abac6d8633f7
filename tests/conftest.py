from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Core's test helpers (child_processes: every child process group ended in finally) serve this suite too.
sys.path.append(str(REPO / "packages" / "foodcap-core" / "tests"))


class Cli:
    """Runs the installed ``foodcap`` console script as a user would."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd

    def __call__(
        self, *args: str, env: dict[str, str] | None = None, timeout: int = 600
    ) -> subprocess.CompletedProcess[str]:
        script = Path(sys.executable).with_name("foodcap")
        return subprocess.run(
            [str(script), *args],
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "COLUMNS": "200", "HF_HUB_OFFLINE": "1", **(env or {})},
        )


@pytest.fixture
def foodcap(tmp_path: Path) -> Cli:
    return Cli(tmp_path)
