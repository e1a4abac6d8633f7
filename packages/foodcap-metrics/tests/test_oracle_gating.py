"""A missing oracle skips a test on a developer's machine but fails the run in CI; Java-free checks still run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# One test that needs Java and one that needs nothing but foodcap.
SELECTED = [
    "test_coco_agreement.py::test_nlg_eval_published_example",
    "test_coco_agreement.py::test_corpora_cover_the_hard_cases",
]


def pytest_without_java(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "FOODCAP_REQUIRE_ORACLES")}
    env["PATH"] = str(tmp_path)  # an empty folder: no java on the PATH
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *SELECTED],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("ci", [False, True], ids=["developer", "ci"])
def test_missing_java_skips_locally_and_fails_in_ci(tmp_path: Path, ci: bool) -> None:
    result = pytest_without_java(tmp_path, ci)
    if ci:
        assert result.returncode == 1, result.stdout
        assert "a required oracle is missing in CI: Java is not installed" in result.stdout
        assert "1 passed, 2 errors" in result.stdout  # the Java-free check still ran and passed
    else:
        assert result.returncode == 0, result.stdout
        assert "2 skipped" in result.stdout and "1 passed" in result.stdout
