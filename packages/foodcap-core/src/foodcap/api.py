"""The Python API: what the ``foodcap`` commands do, one call away in a notebook.

The commands are a thin layer over these functions: same configuration models, same runner and
trainer. Errors raise ``FoodcapError`` (never ``sys.exit``); ``progress=False`` keeps them quiet.
Keyword settings are routed by name to the config models' sections: ``dataset``, ``split``,
``limit``, ``batch_size`` go to ``data``; ``metrics``, ``metric_dialect`` (or ``dialect``) to
``evaluation``; ``epochs``, ``lr``, ``freeze``... to ``train``; anything else is a captioner option
(``checkpoint``, ``device``, ``random_weights``, ``generation``, a plugin's own options).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel
from rich.console import Console

from .config import DataConfig, EvalConfig, RunConfig, deep_merge, validate
from .dataset.recipe_dataset import RecipeDataset
from .errors import FoodcapError
from .lazy_names import lazy_names
from .metric import Dialect
from .runs.scoring import Scores

if TYPE_CHECKING:
    from .captioner import Captioner
    from .captioner_options import CaptionerOptions
    from .preflight import Check
    from .registry import Registry
    from .reports import Comparison
    from .runs.runner import RunResult
    from .significance import PairedSettings, TestType
    from .sweeps import SweepConfig
    from .training import TrainConfig

__all__ = [
    "Check",
    "Comparison",
    "RunSummary",
    "Scores",
    "SweepSummary",
    "TrainSummary",
    "captioner_settings",
    "check",
    "compare",
    "load_captioner",
    "load_dataset",
    "merge",
    "report",
    "run",
    "score",
    "sweep",
    "train",
]

C = TypeVar("C", bound=RunConfig)
_ALIASES = {"dialect": "metric_dialect"}


@dataclass(frozen=True)
class RunSummary:
    """What ``run`` produced: corpus and per-image scores, the run folder and its timings (seconds)."""

    folder: Path
    scores: dict[str, float]
    per_sample: dict[str, list[float]]
    count: int
    timings: dict[str, Any]
    failures: dict[str, str]
    cleaning_report: dict[str, Any] = field(default_factory=dict)
    merged: bool = True  # False for a --shard job or a rank other than 0: it captioned, nothing was scored
    metric_failures: dict[str, str] = field(default_factory=dict)  # metric -> why it raised (others still count)


@dataclass(frozen=True)
class TrainSummary:
    """What ``train`` produced: the folder (``best/`` is the checkpoint), per-epoch history, test scores."""

    folder: Path
    history: list[dict[str, Any]]
    test_scores: dict[str, float] | None
    test_count: int

    @property
    def best_checkpoint(self) -> Path:
        return self.folder / "best"


@dataclass(frozen=True)
class SweepSummary:
    """What ``sweep`` produced: the sweep folder (``best/`` is the best trial's), each trial, the best one."""

    folder: Path
    trials: list[dict[str, Any]]
    best_trial: int | None


# Types of results, imported on first use.
__getattr__, __dir__ = lazy_names(__name__, globals(), {"Check": ".preflight", "Comparison": ".reports"})


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    from .registry import get_registry

    return get_registry()


def _console(progress: bool, console: Console | None) -> Console:
    if not progress:
        _quiet_model_libraries()
    return console if console is not None else Console(quiet=not progress, stderr=True)


def _quiet_model_libraries() -> None:
    """No tqdm bars from transformers and the hub either (weight loading, shard writing)."""
    import os

    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()


def config_from_settings(
    model: type[C], captioner: str | None, settings: Mapping[str, Any], config: C | None = None
) -> C:
    """A config from keyword settings routed to their section by name, laid over ``config`` if given."""
    sections: dict[str, type[BaseModel]] = {"data": DataConfig, "evaluation": EvalConfig}
    train_section = model.model_fields.get("train")
    if train_section is not None:
        sections["train"] = train_section.annotation  # type: ignore[assignment]
    values: dict[str, Any] = config.model_dump(exclude_unset=True) if config is not None else {}
    routed: dict[str, Any] = {"options": {}}
    for raw_key, value in settings.items():
        key = _ALIASES.get(raw_key, raw_key)
        section = next((name for name, section_model in sections.items() if key in section_model.model_fields), None)
        if key == "options" and isinstance(value, Mapping):
            routed["options"] = deep_merge(routed["options"], value)
        elif section is not None:
            routed.setdefault(section, {})[key] = str(value) if key == "dataset" else value
        elif key in model.model_fields and key not in sections:
            routed[key] = value
        else:
            routed["options"][key] = value
    if captioner is not None:
        routed["captioner"] = captioner
    merged = deep_merge(values, routed)
    if "captioner" not in merged and not merged["options"].get("checkpoint"):  # a checkpoint may name it
        raise FoodcapError("name a captioner, e.g. 'vit-gpt2' (`foodcap plugins` lists them)")
    return validate(model, merged)  # type: ignore[no-any-return]


def _chosen(model: type[C], captioner: str | None, settings: Mapping[str, Any], config: C | None) -> C:
    """``config`` as given, or one built from the keyword settings (laid over ``config``)."""
    if config is not None and not (settings or captioner):
        return config
    return config_from_settings(model, captioner, settings, config)


def load_captioner(name: str, *, progress: bool = True, registry: Registry | None = None, **options: Any) -> Captioner:
    """A loaded captioner; ``caption(images)`` takes PIL images or image files.

    ``options`` are the captioner's options: ``checkpoint``, ``model``, ``device``, ``random_weights``,
    ``dtype``, ``generation={"num_beams": 1}``, or a plugin's own.
    """
    if not progress:
        _quiet_model_libraries()
    chosen = _registry(registry)
    return chosen.captioner(name).obj.load(captioner_settings(name, registry=chosen, **options))


def captioner_settings(name: str, *, registry: Registry | None = None, **options: Any) -> CaptionerOptions:
    """The options ``load_captioner(name, **options)`` would load with (the name's registered defaults,
    then ``options``), validated, with nothing loaded: what a plugin reads to reuse a preset's model."""
    values = {key: str(value) if isinstance(value, Path) else value for key, value in options.items()}
    return _registry(registry).captioner_options(name, values)


def load_dataset(
    location: str | Path, *, kind: str | None = None, registry: Registry | None = None, **options: Any
) -> RecipeDataset:
    """Read and clean a dataset of any installed kind (detected, or ``kind``); ``.report`` says what was skipped."""
    from .dataset.selection import open_dataset

    return open_dataset(str(location), _registry(registry), kind, options)


def run(
    captioner: str | None = None,
    *,
    config: RunConfig | None = None,
    progress: bool = True,
    console: Console | None = None,
    registry: Registry | None = None,
    **settings: Any,
) -> RunSummary:
    """Caption a split and score it, writing the run folder (``out``): ``foodcap run`` in Python."""
    return _run_config(_chosen(RunConfig, captioner, settings, config), _console(progress, console), registry)


def _run_config(
    config: RunConfig, console: Console, registry: Registry | None = None, flags: Mapping[str, str] | None = None
) -> RunSummary:
    """``run`` from a finished config; ``flags`` (the CLI's) name the options given on the command line."""
    from .runs.runner import run as run_split

    return _summary(run_split(config, _registry(registry), console, dict(flags or {})))


def merge(
    folder: str | Path,
    *,
    metrics: Sequence[str] | None = None,
    metric_options: Mapping[str, Mapping[str, Any]] | None = None,
    registry: Registry | None = None,
) -> RunSummary:
    """Merge the parts of a sharded run (``run(..., shard="I/N")`` jobs) and score it: ``foodcap merge``.

    A finished run is scored again: ``metrics``, with ``metric_options`` laid over the ones it recorded.
    """
    from .runs.runner import merge_run

    options = {name: dict(values) for name, values in (metric_options or {}).items()}
    return _summary(
        merge_run(Path(folder), _registry(registry), list(metrics) if metrics is not None else None, options)
    )


def _summary(result: RunResult) -> RunSummary:
    if not result.merged:
        return RunSummary(result.folder, {}, {}, 0, {}, dict(result.failures), merged=False)
    record = _read_record(result.folder)
    return RunSummary(
        result.folder,
        dict(result.scores.corpus),
        dict(result.scores.per_sample),
        result.count,
        dict(record.get("timings", {})),
        dict(result.failures),
        dict(record.get("cleaning_report", {})),
        metric_failures=dict(result.scores.failures),
    )


def train(
    captioner: str | None = None,
    *,
    config: TrainConfig | None = None,
    progress: bool = True,
    console: Console | None = None,
    registry: Registry | None = None,
    **settings: Any,
) -> TrainSummary:
    """Fine-tune a captioner (``freeze``, ``epochs``, ``lr``...), writing ``out``: ``foodcap train`` in Python."""
    from .training import TrainConfig as TrainConfigModel

    return _train_config(_chosen(TrainConfigModel, captioner, settings, config), _console(progress, console), registry)


def _train_config(
    config: TrainConfig, console: Console, registry: Registry | None = None, flags: Mapping[str, str] | None = None
) -> TrainSummary:
    """``train`` from a finished config; ``flags`` (the CLI's) name the options given on the command line."""
    from .training import train as train_captioner

    result = train_captioner(config, _registry(registry), console, dict(flags or {}))
    tested = result.test_scores
    return TrainSummary(result.folder, result.history, dict(tested.corpus) if tested else None, result.test_count)


def sweep(
    captioner: str | None = None,
    *,
    config: SweepConfig | None = None,
    progress: bool = True,
    console: Console | None = None,
    registry: Registry | None = None,
    **settings: Any,
) -> SweepSummary:
    """Search hyperparameters with optuna (``trials``, ``search``, ``lr_range``...), every trial a training
    folder under ``out``: ``foodcap sweep`` in Python. Needs ``foodcap-core[sweep]``."""
    from .sweeps import SweepConfig as SweepConfigModel

    return _sweep_config(_chosen(SweepConfigModel, captioner, settings, config), _console(progress, console), registry)


def _sweep_config(
    config: SweepConfig, console: Console, registry: Registry | None = None, flags: Mapping[str, str] | None = None
) -> SweepSummary:
    """``sweep`` from a finished config; ``flags`` (the CLI's) name the options given on the command line."""
    from .sweeps.study import run_sweep  # optuna is an optional extra: imported only when sweeping

    result = run_sweep(config, _registry(registry), console, dict(flags or {}))
    return SweepSummary(result.folder, result.trials, result.best_trial)


def compare(
    folders: Sequence[str | Path],
    *,
    strict: bool = False,
    paired: TestType | None = None,
    bootstrap_samples: int = 1000,
    randomization_trials: int = 10000,
    seed: int = 12345,
    registry: Registry | None = None,
) -> Comparison:
    """The results table of run folders (a column per run, the first is the baseline): ``foodcap compare``.

    Runs scored on other ids, references, splits or dialects are listed in ``mismatches``; with
    ``strict`` that is a FoodcapError instead. With ``paired="bs"`` (paired bootstrap) or ``"ar"``
    (approximate randomization), every metric also gets each run's bootstrap mean and 95% interval, and
    each later run its p-value against the first, as sacrebleu computes them (docs/significance.md);
    ``comparison.significance`` holds them.
    """
    from .reports import load_runs
    from .reports.comparison import compared

    settings = _paired_settings(paired, bootstrap_samples, randomization_trials, seed)
    comparison = compared(load_runs([Path(folder) for folder in folders]), settings, registry)
    if strict and comparison.mismatches:
        raise FoodcapError("runs are not comparable: " + "; ".join(m.describe() for m in comparison.mismatches))
    return comparison


def report(
    folders: Sequence[str | Path],
    out: str | Path,
    *,
    gallery_size: int = 8,
    examples: int = 3,
    metric: str | None = None,
    paired: TestType | None = "bs",
    bootstrap_samples: int = 1000,
    randomization_trials: int = 10000,
    seed: int = 12345,
) -> Path:
    """Write an HTML report of run folders into ``out`` and return its index.html: ``foodcap report``.
    The results table carries ``compare``'s intervals and p-values unless ``paired=None``.
    Needs ``foodcap-core[report]``."""
    from .reports import ReportSettings, write_report

    settings = ReportSettings(
        gallery_size, examples, metric, _paired_settings(paired, bootstrap_samples, randomization_trials, seed)
    )
    return write_report([Path(folder) for folder in folders], Path(out), settings)


def _paired_settings(
    paired: TestType | None, bootstrap_samples: int, randomization_trials: int, seed: int
) -> PairedSettings | None:
    if paired is None:
        return None
    from .significance import PairedSettings

    try:
        return PairedSettings(paired, bootstrap_samples, randomization_trials, seed)
    except ValueError as error:
        raise FoodcapError(str(error)) from error


def check(*, registry: Registry | None = None) -> list[Check]:
    """What ``foodcap doctor`` checks: Python, torch and CUDA, plugins, each metric's resources, Java, extras.
    A check with ``ok`` False names what is missing and how to install it."""
    from .preflight import machine_checks  # imports torch

    return machine_checks(_registry(registry))


def score(
    predictions: Sequence[str],
    references: Sequence[Sequence[str] | str],
    *,
    metrics: Sequence[str] | None = None,
    dialect: Dialect = "coco",
    images: Sequence[str | Path] | None = None,
    metric_options: Mapping[str, Mapping[str, Any]] | None = None,
    registry: Registry | None = None,
) -> Scores:
    """Score captions against one or several references each (``references[i]`` may be a string).

    ``metrics`` default to the installed part of bleu-1, bleu-2, rouge-l, meteor, cider-d. Metrics that
    look at the image (such as clipscore) need ``images``: one image file per caption. ``metric_options``
    holds each metric's own options by name (``{"clipscore": {"model": "path/to/clip"}}``). Bad input
    (different lengths, an image without references, an image metric without images) is a FoodcapError.
    """
    from .metric import check_corpus
    from .runs.scoring import resolve_metrics
    from .runs.scoring import score as score_corpus

    lists = [[refs] if isinstance(refs, str) else list(refs) for refs in references]
    try:
        check_corpus(list(predictions), lists)
    except ValueError as error:
        raise FoodcapError(f"cannot score: {error}") from error
    chosen = resolve_metrics(
        _registry(registry), list(metrics) if metrics is not None else None, dialect, metric_options
    )
    looking = [metric.name for metric in chosen if metric.needs_images]
    if looking and images is None:
        raise FoodcapError(
            f"cannot score: {', '.join(looking)} look(s) at the images; pass images=[one file per caption]"
        )
    if images is not None and len(images) != len(lists):
        raise FoodcapError(f"cannot score: got {len(lists)} predictions but {len(images)} images")
    files = [Path(image) for image in images] if images is not None else None
    return score_corpus(chosen, list(predictions), lists, files)


def _read_record(folder: Path) -> dict[str, Any]:
    """run.json as the runner wrote it (timings, the cleaning report with decode-time skips folded in)."""
    try:
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}
