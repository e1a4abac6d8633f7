"""The plugin hooks. Each takes a callback, so new optional arguments never break old plugins."""

from collections.abc import Callable
from typing import Any, TypeVar, cast

import click
from pluggy import HookimplMarker, HookspecMarker

F = TypeVar("F", bound=Callable[..., Any])

# Cast so that decorated functions keep their own signatures under mypy.
hookspec = cast(Callable[[F], F], HookspecMarker("foodcap"))
hookimpl = cast(Callable[[F], F], HookimplMarker("foodcap"))


@hookspec
def register_captioners(register: Callable[..., None]) -> None:
    """Register Captioner classes: ``register(MyCaptioner | "pkg.module:MyCaptioner", name, defaults, description)``."""


@hookspec
def register_metrics(register: Callable[..., None]) -> None:
    """Register Metric classes: ``register(MyMetric)``."""


@hookspec
def register_freeze_policies(register: Callable[..., None]) -> None:
    """Register FreezePolicy classes: ``register(MyPolicy)``."""


@hookspec
def register_datasets(register: Callable[..., None]) -> None:
    """Register DatasetKind classes: ``register(MyKind | "pkg.module:MyKind", name, description)``."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands to the ``foodcap`` command group."""
