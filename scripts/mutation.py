"""Mutation score (mutmut 3) of the modules where a silent bug corrupts results, one group at a time.

Usage: python scripts/mutation.py [--max-children N] [GROUP ...]   (``nox -s mutation`` runs every group)

mutmut 3 mutates a package laid out as ``src/`` + ``tests/`` in the folder it runs in, so each group
gets a scratch copy of its package under ``build/mutation/GROUP/`` with a ``setup.cfg`` that names
the modules to mutate and the test files that cover them. It runs niced: the machine is shared.
Tests that start other processes (torchrun, the fault tests) are left out: a child process imports
the unmutated package, so they could not see a mutant. Scores are printed per module
(``--scores-only`` prints them again); ``mutmut results`` / ``mutmut show NAME`` in a group's folder
list and show the survivors.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRATCH = REPO / "build" / "mutation"


@dataclass(frozen=True)
class Group:
    package: str  # folder under packages/
    modules: tuple[str, ...]  # paths under the package's src/
    tests: tuple[str, ...]  # files under the package's tests/
    keyword: str = ""  # a pytest -k expression: the tests of those files that exercise the modules


GROUPS = {
    "run-parts-merge": Group(
        "foodcap-core", ("foodcap/runs/merge.py", "foodcap/runs/parts.py"), ("test_launch.py", "test_run_parts.py")
    ),
    "step-plan-ranks": Group(
        "foodcap-core",
        ("foodcap/training/step_plan.py", "foodcap/training/ranks.py"),
        ("test_step_plan.py", "test_launch.py", "test_ranks.py"),
    ),
    "scoring": Group(
        "foodcap-core", ("foodcap/runs/scoring.py",), ("test_scoring.py", "test_references.py", "test_runner.py")
    ),
    "metric-cores": Group(
        "foodcap-metrics",
        (
            "foodcap_metrics/bleu.py",
            "foodcap_metrics/rouge.py",
            "foodcap_metrics/cider.py",
            "foodcap_metrics/ngrams.py",
        ),
        (
            "test_coco_agreement.py",
            "test_hf_agreement.py",
            "test_five_references.py",
            "test_bad_input.py",
            "test_statistics.py",
        ),
        "not meteor",  # METEOR's oracle runs take most of the time and touch none of these modules
    ),
    "dataset-cleaning": Group(
        "foodcap-core",
        (
            "foodcap/dataset/records.py",
            "foodcap/dataset/cleaning_report.py",
            "foodcap/dataset/kaggle_loader.py",
            "foodcap/dataset/inside_root.py",
        ),
        (
            "test_dataset_kinds.py",
            "test_dataset_loading.py",
            "test_dataset_cleaning_report.py",
            "test_dataset_outside_root.py",
            "test_dataset_hf.py",
            "test_dataset_records.py",
        ),
    ),
    "vlm-batches": Group(
        "foodcap-vlm",
        ("foodcap_vlm/batches.py",),
        ("test_presets.py", "test_lora.py"),
        "batch or lengths or image_changes or labels_cover",  # caption batches and the training collator
    ),
}


def setup_cfg(group: Group) -> str:
    lines = ["[mutmut]", "source_paths=src/", "only_mutate="]
    lines += [f"    src/{module}" for module in group.modules]
    lines += ["pytest_add_cli_args_test_selection="]
    lines += [
        f"    tests/{test}" for test in group.tests if (REPO / "packages" / group.package / "tests" / test).exists()
    ]
    # A test's time limit is 15x its clean run plus this: the two-rank tests spend their time in a
    # spawned fixture that mutmut does not time, so a small constant would pass slow runs off as hangs.
    lines += ["timeout_constant=180", "pytest_add_cli_args=", "    -p", "    no:cacheprovider"]
    lines += ["    -k", f"    {group.keyword}"] if group.keyword else []
    lines += [""]
    return "\n".join(lines)


def prepare(name: str, group: Group) -> Path:
    """A fresh scratch copy of the group's package: src/, tests/ and the mutmut settings."""
    folder = SCRATCH / name
    shutil.rmtree(folder, ignore_errors=True)
    package = REPO / "packages" / group.package
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(package / "src", folder / "src", ignore=ignore)
    shutil.copytree(package / "tests", folder / "tests", ignore=ignore)
    (folder / "setup.cfg").write_text(setup_cfg(group))
    return folder


def scores(folder: Path, group: Group) -> dict[str, dict[str, int]]:
    """Per module: mutants killed, survived, with no covering test, timed out..., as mutmut lists them."""
    modules = [module.removesuffix(".py").replace("/", ".") for module in group.modules]
    mutmut = [sys.executable, "-m", "mutmut"]
    listed = subprocess.run(
        [*mutmut, "results", "--all", "true"], cwd=folder, capture_output=True, text=True, check=True
    ).stdout
    per_module: dict[str, dict[str, int]] = {}
    for line in listed.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        module = next(module for module in modules if name.startswith(module + "."))
        counts = per_module.setdefault(module, {})
        counts[status] = counts.get(status, 0) + 1
    return per_module


def report(name: str, per_module: dict[str, dict[str, int]]) -> None:
    for module, counts in per_module.items():
        tested = counts.get("killed", 0) + counts.get("survived", 0) + counts.get("timeout", 0)
        share = counts.get("killed", 0) + counts.get("timeout", 0)
        print(f"{name}: {module}: {share}/{tested} killed ({100 * share / max(tested, 1):.0f}%) {counts}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", metavar="GROUP", help=f"any of {', '.join(GROUPS)} (default: all)")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--scores-only", action="store_true", help="print the scores of the groups run before")
    arguments = parser.parse_args()
    chosen = arguments.groups or list(GROUPS)
    unknown = sorted(set(chosen) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    for name in chosen:
        if not arguments.scores_only:
            folder = prepare(name, GROUPS[name])
            print(f"=== {name}: mutating {', '.join(GROUPS[name].modules)}", flush=True)
            subprocess.run(
                [
                    "nice",
                    "-n",
                    "19",
                    sys.executable,
                    "-m",
                    "mutmut",
                    "run",
                    "--max-children",
                    str(arguments.max_children),
                ],
                cwd=folder,
                env=env,
                check=True,
            )
        if (SCRATCH / name / "mutants").is_dir():
            report(name, scores(SCRATCH / name, GROUPS[name]))


if __name__ == "__main__":
    main()
