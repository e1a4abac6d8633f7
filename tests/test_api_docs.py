"""The Python examples of README.md, docs/api.md and docs/judge.md run as written, in an empty folder, offline."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

DOCS = ["README.md", "docs/api.md", "docs/judge.md"]


def python_blocks(document: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (REPO / document).read_text(), re.S)


@pytest.mark.parametrize("document", DOCS)
def test_examples_execute(document: str, tmp_path: Path) -> None:
    """All of a document's blocks run in order in one interpreter, as a reader would paste them."""
    blocks = python_blocks(document)
    assert blocks, f"{document} has no python examples"
    script = tmp_path / "examples.py"
    script.write_text("\n".join(blocks))
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={
            "PATH": "/usr/bin:/bin",
            "HF_HUB_OFFLINE": "1",
            "HOME": str(tmp_path),
            "FOODCAP_CACHE": str(tmp_path / "cache"),
        },
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "runs").is_dir()


def test_import_foodcap_and_help_do_not_import_model_libraries() -> None:
    """Import cost is measured by scripts/bench_import_time.py; what must hold is that no model library loads."""
    probe = (
        "import sys\nimport foodcap\nloaded = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
        "from foodcap.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "loaded += [m + ' (--help)' for m in ('torch', 'transformers') if m in sys.modules]\n"
        "print('LOADED', loaded)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout, result.stdout[-500:]
    assert "Commands:" in result.stdout and "run " in result.stdout
