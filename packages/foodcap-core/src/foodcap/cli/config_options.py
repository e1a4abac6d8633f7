"""Shared plumbing for commands configured by pydantic models: flags, --config files and -o KEY=VALUE."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib
import click
from pydantic import BaseModel

from ..captioner_options import CaptionerOptions
from ..config import deep_merge, read_config_file, validate
from ..errors import FoodcapError
from .flags import Flag, flag_names, flags_for, values_from_flags, with_flags

M = TypeVar("M", bound=BaseModel)


def config_flags(model: type[BaseModel], skip: frozenset[str] = frozenset()) -> list[Flag]:
    """Flags for a command's config model plus the generic captioner options (under ``options``)."""
    return flags_for(model, skip={"options", *skip}) + flags_for(CaptionerOptions, prefix=("options",), skip=skip)


def configurable(flags: list[Flag]) -> Callable[[click.Command], click.Command]:
    """Add the generated flags, ``--config`` and ``-o/--option`` to a command."""

    def decorate(command: click.Command) -> click.Command:
        command = with_flags(flags)(command)
        command.params.append(
            click.Option(
                ["--config", "config_file"],
                type=click.Path(path_type=Path, dir_okay=False),
                help="TOML file with the same settings (flags given here override it).",
            )
        )
        command.params.append(
            click.Option(
                ["-o", "--option", "option_pairs"],
                multiple=True,
                metavar="KEY=VALUE",
                help="A captioner-specific option, e.g. -o prompt='Name this dish.' (repeatable; "
                "dotted keys reach nested tables; `foodcap plugins` lists captioners).",
            )
        )
        command.params.append(
            click.Option(
                ["--metric-option", "metric_option_pairs"],
                multiple=True,
                metavar="METRIC.KEY=VALUE",
                help="A metric's own option, e.g. --metric-option clipscore.model=~/models/clip (repeatable).",
            )
        )
        return command

    return decorate


def parse_option_pairs(pairs: tuple[str, ...], flag: str = "-o") -> dict[str, Any]:
    """``-o key=value`` pairs as a nested dict; values are read as TOML/JSON literals, else strings."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise FoodcapError(f"{flag} expects KEY=VALUE, got {pair!r}")
        table = options
        *parents, leaf = key.strip().split(".")
        for parent in parents:
            table = table.setdefault(parent, {})
        table[leaf] = _literal(raw)
    return options


def _literal(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw


# Tables of a shared config file that belong to other commands (``run`` ignores ``[train]``).
COMMAND_TABLES = {"train", "sweep"}


def build_config(model: type[M], flags: list[Flag], kwargs: dict[str, Any]) -> M:
    """Defaults, then the config file, then command-line flags; validated once by ``model``."""
    config_file: Path | None = kwargs.pop("config_file", None)
    pairs: tuple[str, ...] = kwargs.pop("option_pairs", ())
    metric_pairs: tuple[str, ...] = kwargs.pop("metric_option_pairs", ())
    from_file = read_config_file(config_file) if config_file else {}
    from_file = {k: v for k, v in from_file.items() if k in model.model_fields or k not in COMMAND_TABLES}
    from_flags = values_from_flags(flags, kwargs)
    merged = deep_merge(from_file, from_flags)
    merged["options"] = deep_merge(merged.get("options", {}), parse_option_pairs(pairs))
    if metric_pairs:
        evaluation = merged.setdefault("evaluation", {})
        evaluation["metric_options"] = deep_merge(
            evaluation.get("metric_options", {}), parse_option_pairs(metric_pairs, "--metric-option")
        )
    return validate(model, merged, flag_names(flags))  # type: ignore[no-any-return]
