"""The first hour on a machine as a newcomer has it: WordNet missing, no metric package, optional extras
missing. Each case is real: WordNet hidden in a private mount namespace, packages left out of a venv."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import REPO, Cli
from test_cli import one_line_error

METEOR_MISSING = (
    "METEOR needs WordNet 3.0 and none was found. Install it with `python -m nltk.downloader wordnet` "
    "or `apt-get install wordnet-base wordnet-sense-index` (Debian/Ubuntu)"
)
# The installed non-default metrics (other plugins: CLIPScore, a judge...) are named between the two remedies.
NO_DEFAULT_METRIC = re.compile(
    r"error: none of the default metrics \(bleu-1, bleu-2, rouge-l, meteor, cider-d\) is installed, so "
    r"nothing could be scored: pip install foodcap-metrics, (name installed ones with --metrics \([^)]*\), )?"
    r"or pass --metrics none to caption without scoring"
)


def private_mounts_work() -> bool:
    return (
        shutil.which("unshare") is not None
        and subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0
    )


needs_mounts = pytest.mark.skipif(not private_mounts_work(), reason="needs unshare -m (root in a mount namespace)")


class WithoutWordNet:
    """Runs commands where no WordNet can be found: /usr/share/wordnet and every folder on nltk's data path
    are covered by an empty folder in a private mount namespace, and foodcap's cache is a fresh one."""

    def __init__(self, tmp_path: Path) -> None:
        self.cwd = tmp_path
        self.env = {key: value for key, value in os.environ.items() if key not in ("NLTK_DATA", "WNSEARCHDIR")}
        self.env.update(
            HOME=str(tmp_path / "home"), FOODCAP_CACHE=str(tmp_path / "cache"), COLUMNS="200", HF_HUB_OFFLINE="1"
        )
        (tmp_path / "home").mkdir()
        self.empty = tmp_path / "empty"
        self.empty.mkdir()
        found = subprocess.run(
            [sys.executable, "-c", "import nltk; print('\\n'.join(map(str, nltk.data.path)))"],
            capture_output=True,
            text=True,
            env=self.env,
            check=True,
        ).stdout.split()
        self.hidden = [folder for folder in ["/usr/share/wordnet", *found] if Path(folder).is_dir()]

    def __call__(self, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
        mounts = " && ".join(
            f"mount --bind {shlex.quote(str(self.empty))} {shlex.quote(folder)}" for folder in self.hidden
        )
        command = shlex.join([str(Path(sys.executable).with_name("foodcap")), *args])
        return subprocess.run(
            ["unshare", "-m", "sh", "-c", f"{mounts} && exec {command}"],
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
        )


@needs_mounts
def test_explicit_meteor_without_wordnet_fails_in_one_line_before_any_model_loads(tmp_path: Path) -> None:
    hidden = WithoutWordNet(tmp_path)
    # No --random-weights: had the model been loaded first, this offline run would fail on the hub instead.
    result = hidden(
        "run", "--captioner", "vit-gpt2", "--dataset", "sample", "--metrics", "bleu-1,meteor", "--out", "run"
    )
    assert one_line_error(result) == f"error: {METEOR_MISSING}"
    assert "[nltk_data]" not in result.stdout + result.stderr and result.stdout == ""
    assert not (tmp_path / "run").exists()


@needs_mounts
def test_demo_runs_without_wordnet_leaving_meteor_out_in_one_line(tmp_path: Path) -> None:
    hidden = WithoutWordNet(tmp_path)
    result = hidden("demo", "--epochs", "1", "--out", "demo")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "[nltk_data]" not in result.stdout + result.stderr
    said = [line for line in result.stderr.splitlines() if line.strip()]
    assert said == [f"warning: meteor left out of the default metrics: {METEOR_MISSING}"]  # once, for both runs
    for run in ("untrained", "fine-tuned"):
        scores = json.loads((tmp_path / "demo" / run / "metrics.json").read_text())["scores"]
        assert list(scores) == ["bleu-1", "bleu-2", "rouge-l", "cider-d"]
    header = next(line for line in result.stdout.splitlines() if "bleu-1" in line and "cider-d" in line)
    assert "meteor" not in header


def test_bootstrap_provisions_wordnet_and_says_what_it_could_not(tmp_path: Path) -> None:
    """scripts/bootstrap ends with the WordNet step, as scripts/test does. Here, in a namespace without WordNet
    and without apt-get, it cannot install it: it says how, and bootstrap still succeeds."""
    apt_get = shutil.which("apt-get")
    if not private_mounts_work() or apt_get is None:
        pytest.skip("needs unshare -m and apt-get to hide")
    if not (REPO / ".venv" / ".foodcap-bootstrap").is_file():
        pytest.skip("the repository's .venv was not made by scripts/bootstrap")
    (tmp_path / "empty").mkdir()
    script = (
        f"mount --bind {tmp_path / 'empty'} /usr/share/wordnet && mount --bind /dev/null {apt_get} && "
        f"exec env HOME={tmp_path} NLTK_DATA={tmp_path / 'empty'} {REPO / 'scripts' / 'bootstrap'}"
    )
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "WordNet is missing: run 'sudo apt-get install wordnet-base wordnet-sense-index'" in result.stderr
    assert "foodcap leaves METEOR out of its default metrics" in result.stderr
    assert result.stdout.strip() == "ready: .venv (activate with: source .venv/bin/activate)"
    here = subprocess.run([str(REPO / "scripts" / "bootstrap")], capture_output=True, text=True, timeout=600)
    assert here.returncode == 0 and "WordNet" not in here.stderr  # this machine has it: nothing to say


# -- a venv without some packages --------------------------------------------------------------------
def _distribution(entry: str) -> str:
    """site-packages entry -> the import or distribution name it belongs to (``foodcap_metrics``)."""
    name = entry.lower().removeprefix("_editable_impl_").removeprefix("__editable__.").removeprefix("__editable___")
    return re.split(r"[-.]", name)[0]


def venv_without(folder: Path, hidden: set[str]) -> Path:
    """A venv holding what this one does except ``hidden`` (as if never installed); returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    ours = Path(sysconfig.get_paths()["purelib"])
    theirs = folder / ours.relative_to(Path(sys.prefix))
    for entry in ours.iterdir():
        if _distribution(entry.name) not in hidden and not (theirs / entry.name).exists():
            (theirs / entry.name).symlink_to(entry)
    return folder / "bin" / "python"


def in_venv(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "foodcap", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "200", "HF_HUB_OFFLINE": "1"},
    )


def doctor_rows(output: str) -> dict[str, str]:
    return {line.split("│")[1].strip(): line for line in output.splitlines() if line.count("│") == 4}


def test_a_run_with_no_metric_installed_stops_naming_the_package_and_none_captions(tmp_path: Path) -> None:
    python = venv_without(tmp_path / "venv", {"foodcap_metrics", "foodcap_example_plugin"})
    result = in_venv(python, tmp_path, "run", "--captioner", "vit-gpt2", "--dataset", "sample", "--out", "run")
    assert NO_DEFAULT_METRIC.fullmatch(one_line_error(result))  # not the hub error loading the model would give
    assert result.stdout == "" and not (tmp_path / "run").exists()

    plain = in_venv(
        python,
        tmp_path,
        "run",
        "--captioner",
        "vit-gpt2",
        "--random-weights",
        "tiny",
        "--dataset",
        "sample",
        "--limit",
        "4",
        "--num-workers",
        "0",
        "--metrics",
        "none",
        "--out",
        "captions",
    )
    assert plain.returncode == 0, plain.stderr
    assert "4 images captioned, not scored (--metrics none)" in plain.stdout
    assert json.loads((tmp_path / "captions" / "metrics.json").read_text())["scores"] == {}
    predictions = (tmp_path / "captions" / "predictions.jsonl").read_text().splitlines()
    assert len(predictions) == 4 and all(isinstance(json.loads(line)["caption"], str) for line in predictions)

    doctor = in_venv(python, tmp_path, "doctor")
    assert doctor.returncode == 1, doctor.stdout
    assert "missing" in doctor_rows(doctor.stdout)["default metrics"]
    assert "foodcap-metrics" in doctor.stdout  # the remedy (the cell may wrap, as other metrics are named too)


def test_none_cannot_be_mixed_with_metric_names(foodcap: Cli) -> None:
    line = one_line_error(foodcap("run", "--captioner", "dominant-colour", "--metrics", "none,bleu-1"))
    assert line == (
        "error: invalid value for evaluation.metrics (--metrics): Value error, 'none' means no scoring; "
        "it cannot be combined with metric names (got ['none', 'bleu-1'])"
    )


def test_doctor_shows_missing_extras_as_optional_and_exits_0(tmp_path: Path) -> None:
    python = venv_without(tmp_path / "venv", {"optuna", "wandb", "matplotlib"})
    result = in_venv(python, tmp_path, "doctor")
    assert result.returncode == 0, result.stdout
    rows = doctor_rows(result.stdout)
    for extra, install in (
        ("optuna", "pip install 'foodcap-core[sweep]'"),
        ("wandb", "pip install 'foodcap-core[wandb]'"),
        ("matplotlib", "pip install 'foodcap-core[report]'"),
    ):
        assert "not installed (optional)" in rows[extra] and install in rows[extra], rows[extra]
    assert "missing" not in result.stdout and "problem(s)" not in result.stdout
    assert re.search(r"\d+ optional piece\(s\) not installed", result.stdout)
    assert "vit-gpt2" in rows["captioners"] and "bleu-1" in rows["default metrics"]
