"""Sessions: each package tested alone (only its declared dependencies installed), integration, lint, types, bench,
mutation (not in CI)."""

from __future__ import annotations

import os
import sys

import nox

nox.options.sessions = ["tests", "integration", "oracles", "lint", "types"]
nox.options.reuse_existing_virtualenvs = True

PLUGINS = [
    "foodcap-metrics",
    "foodcap-vitgpt2",
    "foodcap-vlm",
    "foodcap-gemma",
    "foodcap-llama",
    "foodcap-cnnrnn",
    "foodcap-modelmetrics",
]
# Extras a package's own tests need (declared in its pyproject.toml).
TEST_EXTRAS = {"foodcap-metrics": "[test]", "foodcap-llama": "[test]", "foodcap-modelmetrics": "[baselines]"}
# Sibling packages a plugin builds on (installed editable, as foodcap-core is).
# Every captioner package depends on foodcap-metrics (so one install prints the study's scores).
SIBLINGS = {
    "foodcap-vitgpt2": ["foodcap-metrics"],
    "foodcap-vlm": ["foodcap-metrics"],
    "foodcap-gemma": ["foodcap-metrics", "foodcap-vlm"],
    "foodcap-llama": ["foodcap-metrics"],
    "foodcap-cnnrnn": ["foodcap-metrics"],
}
WHEELS = os.environ.get("FOODCAP_TORCH_WHEELS", "/opt/wheels")


def install_cpu_torch(session: nox.Session) -> None:
    """The CPU wheel first, so no dependency can pull the multi-GB CUDA build."""
    source = (
        ["--find-links", WHEELS]
        if os.path.isdir(WHEELS)
        else ["--extra-index-url", "https://download.pytorch.org/whl/cpu"]
    )
    session.install(*source, "-c", "constraints-cpu.txt", "torch")


def install(session: nox.Session, *requirements: str) -> None:
    install_cpu_torch(session)
    session.install("-c", "constraints-cpu.txt", *requirements)


@nox.session
@nox.parametrize("package", ["foodcap-core", *PLUGINS])
def tests(session: nox.Session, package: str) -> None:
    """One package's tests with only it (and foodcap-core) installed: catches undeclared dependencies."""
    # Core's own tests cover compare/report/sweep/tracking, so they need its optional extras.
    editable = [
        "-e",
        "packages/foodcap-core" + ("[report,sweep,wandb,hf,parquet]" if package == "foodcap-core" else "[report]"),
    ]
    if package != "foodcap-core":
        for sibling in SIBLINGS.get(package, []):
            editable += ["-e", f"packages/{sibling}"]
        editable += ["-e", f"packages/{package}{TEST_EXTRAS.get(package, '')}"]
    install(session, *editable, "pytest")
    session.run("pytest", "-q", f"packages/{package}/tests", *session.posargs)


@nox.session
def integration(session: nox.Session) -> None:
    """Everything installed together, plus the example third-party plugin; the CLI as users run it."""
    install(session, "-r", "requirements-dev.txt")
    session.run("pytest", "-q", "tests", *session.posargs)


@nox.session
def oracles(session: nox.Session) -> None:
    """foodcap-modelmetrics against torchmetrics and bert-score, which need transformers 4 (foodcap runs on 5).

    This session's environment holds only the oracles; foodcap runs in the Python that runs nox (the dev
    .venv, where scripts/test calls it), and test_oracles.py hands the oracles the same model folders.
    """
    install(session, "-r", "packages/foodcap-modelmetrics/tests/oracle-requirements.txt")
    oracle = os.path.join(session.virtualenv.location, "bin", "python")
    session.run(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "packages/foodcap-modelmetrics/tests/test_oracles.py",
        *session.posargs,
        external=True,
        env={"FOODCAP_ORACLE_PYTHON": oracle, "FOODCAP_REQUIRE_ORACLES": "1"},
    )


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", "packages", "tests", "examples", "noxfile.py")
    session.run("ruff", "format", "--check", "packages", "tests", "examples", "noxfile.py")


@nox.session
def types(session: nox.Session) -> None:
    """mypy on every package, each checked against the others as installed."""
    install(session, "-r", "requirements-dev.txt")
    for package in ("foodcap-core", *PLUGINS):
        session.run("mypy", f"packages/{package}/src")


@nox.session
def dist(session: nox.Session) -> None:
    """Build every wheel and sdist, twine check them, install them in a clean venv and run the headline command."""
    install(session, "-r", "requirements-dev.txt")
    session.run("bash", "scripts/dist", env={"VENV": session.virtualenv.location}, external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Every benchmark, each printing foodcap beside its baseline from the same run."""
    install(session, "-r", "requirements-dev.txt")
    session.run("foodcap", "bench", "--captioner", "vit-gpt2", "--random-weights", "tiny")
    for script in (
        "packages/foodcap-metrics/bench/bench_metrics.py",
        "packages/foodcap-metrics/bench/bench_significance.py",
        "packages/foodcap-vitgpt2/bench/bench_vitgpt2.py",
        "packages/foodcap-gemma/bench/bench_gemma.py",
        "packages/foodcap-vlm/bench/bench_vlm.py",
        "packages/foodcap-llama/bench/bench_llama.py",
        "packages/foodcap-cnnrnn/bench/bench_cnnrnn.py",
        "packages/foodcap-core/bench/bench_sharded_run.py",
        "packages/foodcap-vlm/bench/bench_judge.py",
        "packages/foodcap-core/bench/bench_distributed.py",
        "packages/foodcap-modelmetrics/bench/bench_modelmetrics.py",
    ):
        if os.path.exists(script):
            session.run("python", script)


@nox.session
def mutation(session: nox.Session) -> None:
    """mutmut 3 over the modules where a silent bug corrupts results (not in CI: about an hour on 2 cores).

    ``nox -s mutation -- scoring`` runs one group; scripts/mutation.py lists them. Scores: docs/testing.md.
    """
    install(session, "-r", "requirements-dev.txt", "mutmut>=3.8,<4")
    session.run("python", "scripts/mutation.py", *session.posargs)
