"""What the installed plugins registered: captioners, metrics, freeze policies and dataset kinds, by name.

Imports no model library: registered classes are imported on first use.
"""

from __future__ import annotations

import difflib
import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import click

from .config import deep_merge, validate
from .errors import FoodcapError
from .plugins import PluginSource, load_plugins, plugin_source, pm

if TYPE_CHECKING:
    from .captioner import Captioner, CaptionerOptions
    from .dataset.kinds import DatasetKind
    from .freeze import FreezePolicy
    from .metric import Metric

logger = logging.getLogger("foodcap")

Kind = Literal["captioner", "metric", "freeze-policy", "dataset"]
T = TypeVar("T")


@dataclass
class Entry(Generic[T]):
    """One registered thing, and which plugin distribution it came from.

    ``target`` is the class itself or an import path (``"package.module:Class"``) that is imported
    on first use, so that listing plugins or printing help never imports model libraries.
    """

    name: str
    kind: Kind
    target: T | str
    source: PluginSource
    defaults: Mapping[str, Any] = field(default_factory=dict)
    summary: str | None = None

    @property
    def obj(self) -> T:
        if isinstance(self.target, str):
            self.target = _import_target(self.target, self)
        return self.target  # type: ignore[return-value]  # an import path was replaced by its object

    @property
    def description(self) -> str:
        if self.summary is not None:
            return self.summary
        return str(getattr(self.obj, "description", ""))


def _import_target(target: str, entry: Entry[Any]) -> Any:
    module_name, _, attribute = target.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise FoodcapError(
            f"{entry.kind} {entry.name!r} from {entry.source.distribution} {entry.source.version} failed to "
            f"import ({type(error).__name__}: {error}); check that it is compatible with foodcap-core"
        ) from error


@dataclass
class Registry:
    captioners: dict[str, Entry[type[Captioner]]] = field(default_factory=dict)
    metrics: dict[str, Entry[type[Metric]]] = field(default_factory=dict)
    freeze_policies: dict[str, Entry[type[FreezePolicy]]] = field(default_factory=dict)
    datasets: dict[str, Entry[type[DatasetKind]]] = field(default_factory=dict)

    def entries(self) -> list[Entry[Any]]:
        return [
            *self.captioners.values(),
            *self.metrics.values(),
            *self.freeze_policies.values(),
            *self.datasets.values(),
        ]

    def captioner(self, name: str) -> Entry[type[Captioner]]:
        return _lookup(self.captioners, name, "captioner")

    def metric(self, name: str) -> Entry[type[Metric]]:
        return _lookup(self.metrics, name, "metric")

    def freeze_policy(self, name: str) -> Entry[type[FreezePolicy]]:
        return _lookup(self.freeze_policies, name, "freeze policy")

    def dataset(self, name: str) -> Entry[type[DatasetKind]]:
        return _lookup(self.datasets, name, "dataset kind")

    def captioner_options(
        self, name: str, values: Mapping[str, Any], flags: Mapping[str, str] | None = None
    ) -> CaptionerOptions:
        """Validate options for a captioner: its registered defaults, then the user's values."""
        entry = self.captioner(name)
        merged = deep_merge(entry.defaults, values)
        return validate(entry.obj.Options, merged, flags, prefix="options.")  # type: ignore[no-any-return]


# Which distribution usually provides a well-known name, for "pip install ..." hints.
KNOWN_PROVIDERS = {
    "vit-gpt2": "foodcap-vitgpt2",
    "llama-lora-1b": "foodcap-llama",
    "llama-lora-3b": "foodcap-llama",
    "gemma-3-4b": "foodcap-gemma",
    "gemma-3-12b": "foodcap-gemma",
    "gemma-3-27b": "foodcap-gemma",
    **dict.fromkeys(("cnn-rnn", "cnn-rnn-baseline", "cnn-rnn-vgg19", "cnn-rnn-lstm"), "foodcap-cnnrnn"),
    "judge": "foodcap-vlm",
    **{
        name: "foodcap-metrics"
        for name in ("bleu-1", "bleu-2", "bleu-3", "bleu-4", "rouge-l", "meteor", "meteor-1.5", "cider-d")
    },
}


def _lookup(table: Mapping[str, Entry[T]], name: str, what: str) -> Entry[T]:
    if name in table:
        return table[name]
    installed = ", ".join(sorted(table)) or "none"
    message = f"unknown {what} {name!r} (installed: {installed})"
    if name in KNOWN_PROVIDERS:
        message += f"; it is provided by {KNOWN_PROVIDERS[name]}: pip install {KNOWN_PROVIDERS[name]}"
    else:
        close = difflib.get_close_matches(name, list(table), n=1)
        if close:
            message += f"; did you mean {close[0]!r}?"
    raise FoodcapError(message)


_registry: Registry | None = None


def get_registry() -> Registry:
    """Load plugins on first use and collect what they register."""
    global _registry
    if _registry is None:
        load_plugins()
        _registry = _collect()
    return _registry


def reset_registry() -> None:
    """Forget collected registrations (after registering or unregistering a plugin)."""
    global _registry
    _registry = None


def _collect() -> Registry:
    registry = Registry()
    for hook_name, kind, table in (
        ("register_captioners", "captioner", registry.captioners),
        ("register_metrics", "metric", registry.metrics),
        ("register_freeze_policies", "freeze-policy", registry.freeze_policies),
        ("register_datasets", "dataset", registry.datasets),
    ):
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            source = plugin_source(impl.plugin_name)
            register = _registrar(table, kind, source)  # type: ignore[arg-type]
            _call_isolated(impl.plugin_name, source, impl.function, register=register)
    return registry


def _registrar(table: dict[str, Entry[Any]], kind: Kind, source: PluginSource) -> Callable[..., None]:
    def register(
        obj: Any, name: str | None = None, defaults: Mapping[str, Any] | None = None, description: str | None = None
    ) -> None:
        if isinstance(obj, str) and name is None:
            raise ValueError(f"registering {obj!r} by import path needs a name")
        entry_name = name or obj.name
        if entry_name in table:
            logger.warning(
                "%s %r from %s replaces the one from %s",
                kind,
                entry_name,
                source.distribution,
                table[entry_name].source.distribution,
            )
        table[entry_name] = Entry(entry_name, kind, obj, source, dict(defaults or {}), description)

    return register


def _call_isolated(plugin_name: str, source: PluginSource, hook: Callable[..., object], **arguments: Any) -> None:
    try:
        hook(**arguments)
    except Exception as error:  # noqa: BLE001 - one broken plugin must not break the rest
        logger.warning(
            "plugin %r from %s %s failed to register (%s: %s); check that it is compatible with foodcap-core",
            plugin_name,
            source.distribution,
            source.version,
            type(error).__name__,
            error,
        )


def add_plugin_commands(cli: click.Group) -> None:
    """Let plugins add subcommands, each isolated like registrations."""
    load_plugins()
    for impl in pm.hook.register_commands.get_hookimpls():
        source = plugin_source(impl.plugin_name)
        _call_isolated(impl.plugin_name, source, impl.function, cli=cli)
