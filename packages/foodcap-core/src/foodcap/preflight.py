"""Pre-flight: everything `run`, `train` and `sweep` will need, checked before any model loads.

Each check answers with a :class:`Check`; :func:`require` turns the failed ones into one
FoodcapError with one line per missing piece, so a machine without WordNet or Java fails in seconds
instead of after hours of captioning. ``foodcap doctor`` shows the same checks as a table.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .backend.checkpoint_files import checkpoint_problems
from .checkpoint_record import recorded_captioner
from .config import DataConfig, EvalConfig, RunConfig
from .errors import FoodcapError
from .registry import Registry
from .runs.folder import default_run_folder, default_train_folder
from .runs.scoring import chosen_metric_names, default_metric_names, metric_options

if TYPE_CHECKING:
    from .training.options import TrainConfig

# Free space a run folder should have at the start: predictions take about 1 kB per image (the
# Kaggle test split is ~1.4k images), and a training folder holds checkpoints with optimizer state
# (tiny random-weight models, as in the demo and tests, need no more than a run).
RUN_FREE_BYTES = 64 * 2**20
TRAIN_FREE_BYTES = 2 * 2**30

# Optional extras of foodcap-core: (module to import, pip requirement, what needs it).
EXTRAS: Mapping[str, tuple[str, str, str]] = {
    "wandb": ("wandb", "foodcap-core[wandb]", "--tracker wandb"),
    "optuna": ("optuna", "foodcap-core[sweep]", "foodcap sweep"),
    "matplotlib": ("matplotlib", "foodcap-core[report]", "foodcap report"),
    "pyarrow": ("pyarrow", "foodcap-core[parquet]", "the parquet dataset kind and --write-sidecars"),
}


@dataclass(frozen=True)
class Check:
    """One thing a command needs: ``detail`` says what was found, or what is missing and the remedy.

    An ``optional`` check that fails is an extra not installed: only the commands or flags that use it
    need it (``foodcap doctor`` still exits 0)."""

    name: str
    ok: bool
    detail: str
    optional: bool = False


def require(checks: Iterable[Check]) -> None:
    """Raise one FoodcapError listing every failed check, one line each (just the line when only one
    failed); return when all passed."""
    failed = [check for check in checks if not check.ok]
    if not failed:
        return
    if len(failed) == 1:
        raise FoodcapError(failed[0].detail)
    lines = "".join(f"\n  {check.name}: {check.detail}" for check in failed)
    raise FoodcapError(f"cannot start: {len(failed)} problem(s) found before loading any model:{lines}")


def _attempt(name: str, action: Any, found: str = "ok") -> Check:
    """Run a check that raises FoodcapError when something is missing."""
    try:
        result = action()
    except FoodcapError as error:
        return Check(name, False, str(error))
    return Check(name, True, result if isinstance(result, str) else found)


# --- resources -----------------------------------------------------------------------------------
def extra_check(extra: str, optional: bool = False) -> Check:
    module, requirement, needed_by = EXTRAS[extra]
    if importlib.util.find_spec(module) is None:
        return Check(extra, False, f"{needed_by} needs {module}: pip install '{requirement}'", optional)
    return Check(extra, True, f"installed (for {needed_by})", optional)


def java_check() -> Check:
    java = shutil.which("java")
    if java is None:
        return Check(
            "Java",
            False,
            "not found on PATH: apt-get install default-jre-headless (meteor-1.5 needs it)",
            optional=True,
        )
    return Check("Java", True, java, optional=True)


def metric_checks(registry: Registry, evaluation: EvalConfig, optional: bool = False) -> list[Check]:
    """Each chosen metric is registered, its options are valid, and it has its resources (WordNet for
    meteor, Java for meteor-1.5, the weights of a model-based metric)."""
    checks = []
    for name in chosen_metric_names(registry, evaluation.metrics):
        try:
            metric = registry.metric(name).obj
            options = metric_options(registry, name, evaluation.metric_dialect, evaluation.metric_options)
        except FoodcapError as error:
            checks.append(Check(f"metric {name}", False, str(error)))
            continue
        missing = metric.missing_resources_for(options)
        checks += [Check(f"metric {name}", False, line, optional) for line in missing]
        if not missing:
            checks.append(Check(f"metric {name}", True, "ready", optional))
    return checks


def default_metrics_check(registry: Registry) -> Check:
    """What a run without --metrics scores (at least one default metric must be installed)."""
    return _attempt("default metrics", lambda: ", ".join(default_metric_names(registry)) or "none usable")


def captioners_check(registry: Registry) -> Check:
    if registry.captioners:
        return Check("captioners", True, ", ".join(registry.captioners))
    return Check(
        "captioners",
        False,
        "none is installed: pip install foodcap-vitgpt2 (or foodcap-llama, foodcap-gemma, foodcap-vlm)",
    )


# --- input and output ----------------------------------------------------------------------------
def dataset_check(data: DataConfig, registry: Registry) -> Check:
    """The dataset's kind can be told (or was named) and its files can be read."""
    from .dataset.bundled_sample import SAMPLE
    from .dataset.kaggle_layout import KaggleFolder
    from .dataset.parquet_shards import pyarrow_parquet
    from .dataset.selection import choose_dataset_kind

    if data.dataset == SAMPLE:
        return Check("dataset", True, "the bundled sample")

    def readable() -> str:
        choice = choose_dataset_kind(data.dataset, data.dataset_kind, registry)
        if choice.kind == "parquet":
            pyarrow_parquet()  # one line naming the extra when pyarrow is missing
        if choice.kind == "kaggle-food":
            folder = KaggleFolder.find(Path(choice.location).expanduser().resolve())
            for path, mode in ((folder.csv_path, os.R_OK), (folder.images_dir, os.R_OK | os.X_OK)):
                if not os.access(path, mode):
                    raise FoodcapError(f"{path} is not readable")
        elif Path(choice.location).expanduser().exists() and not os.access(Path(choice.location).expanduser(), os.R_OK):
            raise FoodcapError(f"{choice.location} is not readable")
        return f"{choice.kind}: {choice.location}"

    return _attempt("dataset", readable)


def _existing_ancestor(path: Path) -> Path:
    path = path.expanduser().absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def output_check(out: Path, needed_bytes: int) -> Check:
    """The folder (or its nearest existing parent) is a writable folder with plausible free space."""
    target = out.expanduser()
    if target.exists() and not target.is_dir():
        return Check("output folder", False, f"{target} exists and is not a folder")
    existing = _existing_ancestor(target)
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return Check("output folder", False, f"{existing} is not writable; choose another --out")
    free = shutil.disk_usage(existing).free
    if free < needed_bytes:
        return Check(
            "output folder",
            False,
            f"only {free / 2**20:.0f} MiB free under {existing}; this needs at least {needed_bytes / 2**20:.0f} MiB",
        )
    return Check("output folder", True, f"{target} ({free / 2**30:.1f} GiB free)")


# --- options -------------------------------------------------------------------------------------
def captioner_checks(config: RunConfig, registry: Registry, flags: Mapping[str, str] | None) -> list[Check]:
    """The captioner is registered, its options validate, and a given checkpoint is there."""
    try:
        options = registry.captioner_options(config.captioner, config.options, flags)
    except FoodcapError as error:
        return [Check("captioner", False, str(error))]
    checks = [Check("captioner", True, config.captioner)]
    if options.device != "auto":
        from .backend.placement import resolve_device

        checks.append(_attempt("device", lambda: str(resolve_device(options.device))))
    if options.checkpoint is not None:
        checks.append(checkpoint_check(options.checkpoint, config.captioner))
    if options.dtype == "float16":  # a family that overflows in float16 is refused before the dataset loads
        from .backend.precision import refuse_float16

        captioner = registry.captioner(config.captioner).obj
        checks.append(
            _attempt("dtype", lambda: refuse_float16(captioner.float16_risk(options), "--dtype float16"), "float16")
        )
    return checks


def checkpoint_check(folder: Path, captioner: str) -> Check:
    """The folder exists, was saved by ``captioner`` (where it records which), and every safetensors file
    in it is whole (judged from headers and sizes)."""
    if not (folder / ".").is_dir():
        return Check("checkpoint", False, f"{folder} does not exist or is not a folder (--checkpoint)")
    saved_by = recorded_captioner(folder)
    if saved_by is not None and saved_by != captioner:
        return Check(
            "checkpoint",
            False,
            f"{folder} is a checkpoint of captioner {saved_by!r}, not {captioner!r}: "
            f"pass --captioner {saved_by} (or leave --captioner out)",
        )
    problems = checkpoint_problems(folder)
    return Check("checkpoint", not problems, "; ".join(problems) or str(folder))


def freeze_policy_check(registry: Registry, name: str) -> Check:
    return _attempt("freeze policy", lambda: registry.freeze_policy(name), name)


def run_checks(config: RunConfig, registry: Registry, flags: Mapping[str, str] | None = None) -> list[Check]:
    """What ``foodcap run`` needs."""
    return [
        *captioner_checks(config, registry, flags),
        *metric_checks(registry, config.evaluation),
        dataset_check(config.data, registry),
        output_check(config.out or default_run_folder(config.captioner), RUN_FREE_BYTES),
        *([extra_check("pyarrow")] if config.write_sidecars else []),  # written after captioning: check now
    ]


def train_checks(config: TrainConfig, registry: Registry, flags: Mapping[str, str] | None = None) -> list[Check]:
    """What ``foodcap train`` (and each sweep trial) needs."""
    checks = [
        *captioner_checks(config, registry, flags),
        *metric_checks(registry, config.evaluation),
        dataset_check(config.data, registry),
        output_check(
            config.out or default_train_folder(config.captioner),
            RUN_FREE_BYTES if config.options.get("random_weights") == "tiny" else TRAIN_FREE_BYTES,
        ),
    ]
    if config.train.freeze is not None:
        checks.append(freeze_policy_check(registry, config.train.freeze))
    chosen = chosen_metric_names(registry, config.evaluation.metrics)
    if config.train.best_metric != "val_loss" and config.train.best_metric not in chosen:
        checks.append(
            Check(
                "best metric",
                False,
                f"--best-metric {config.train.best_metric!r} is neither val_loss nor a chosen metric",
            )
        )
    if config.train.tracker != "none":
        checks.append(extra_check(config.train.tracker))
    return checks


# --- the machine, for `foodcap doctor` -----------------------------------------------------------
def torch_checks(registry: Registry | None = None) -> list[Check]:
    """torch, CUDA and which dtype ``auto`` picks on each GPU, per captioner where the family decides
    (imports torch: only `foodcap doctor` calls this)."""
    import torch

    from .backend.precision import auto_dtype_summary

    checks = [Check("torch", True, torch.__version__)]
    if not torch.cuda.is_available():
        checks.append(Check("CUDA", True, "no GPU: runs on the CPU in float32"))
        return checks
    risks = float16_risks(registry) if registry is not None else {}
    for index in range(torch.cuda.device_count()):
        device = torch.device("cuda", index)
        major, minor = torch.cuda.get_device_capability(device)
        checks.append(
            Check(
                f"cuda:{index}",
                True,
                f"{torch.cuda.get_device_name(device)}, compute capability "
                f"{major}.{minor}: {auto_dtype_summary(device, risks)}",
            )
        )
    return checks


def float16_risks(registry: Registry) -> dict[str, str | None]:
    """Each registered captioner's float16 risk with its default options (a broken plugin counts as none)."""
    risks: dict[str, str | None] = {}
    for name in sorted(registry.captioners):
        try:
            risks[name] = registry.captioner(name).obj.float16_risk(registry.captioner_options(name, {}))
        except FoodcapError:  # a plugin that fails to load is reported by its own row; it has no say here
            risks[name] = None
    return risks


def plugin_checks(registry: Registry) -> list[Check]:
    """One row per installed plugin distribution, naming what it registered."""
    provided: dict[str, list[str]] = {}
    for entry in registry.entries():
        label = f"{entry.source.distribution} {entry.source.version}"
        provided.setdefault(label, []).append(entry.name)
    return [Check(f"plugin {label}", True, ", ".join(names)) for label, names in sorted(provided.items())]


def machine_checks(registry: Registry) -> list[Check]:
    """Everything `foodcap doctor` shows: Python, torch and CUDA, plugins, what a default run needs (a captioner,
    a default metric), and what only some runs need (each metric's resources, Java, extras: optional)."""
    import platform

    return [
        Check("Python", True, platform.python_version()),
        *torch_checks(registry),
        *plugin_checks(registry),
        captioners_check(registry),
        default_metrics_check(registry),
        *metric_checks(
            registry, EvalConfig(metrics=sorted(registry.metrics)), optional=True
        ),  # a run names what it needs
        java_check(),
        *(extra_check(extra, optional=True) for extra in EXTRAS),
    ]
