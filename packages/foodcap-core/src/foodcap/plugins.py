"""Finds plugins through the ``foodcap`` entry-point group, one at a time, so a broken one can't break the rest."""

from __future__ import annotations

import importlib.metadata
import logging
import os
from dataclasses import dataclass

import pluggy

from . import hookspecs

logger = logging.getLogger("foodcap")

ENTRY_POINT_GROUP = "foodcap"


@dataclass(frozen=True)
class PluginSource:
    """Where a plugin came from, for ``foodcap plugins`` and warnings."""

    distribution: str
    version: str


pm = pluggy.PluginManager("foodcap")
pm.add_hookspecs(hookspecs)
_sources: dict[str, PluginSource] = {}
_loaded = False


def _env_names(variable: str) -> set[str] | None:
    value = os.environ.get(variable)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _wanted(entry_point_name: str, distribution: str) -> bool:
    """Apply FOODCAP_PLUGINS (allow-list) and FOODCAP_DISABLE_PLUGINS (deny-list)."""
    names = {entry_point_name, distribution}
    allowed = _env_names("FOODCAP_PLUGINS")
    if allowed is not None and not names & allowed:
        return False
    disabled = _env_names("FOODCAP_DISABLE_PLUGINS") or set()
    return not names & disabled


def load_plugins() -> None:
    """Import and register every installed plugin once; a failing one logs a single warning."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist
        source = PluginSource(dist.name if dist else "unknown", dist.version if dist else "unknown")
        if pm.has_plugin(entry_point.name) or not _wanted(entry_point.name, source.distribution):
            continue
        try:
            pm.register(entry_point.load(), name=entry_point.name)
        except Exception as error:  # noqa: BLE001 - isolation is the point
            logger.warning(
                "plugin %r from %s %s failed to load (%s: %s); check that it is compatible with foodcap-core",
                entry_point.name,
                source.distribution,
                source.version,
                type(error).__name__,
                error,
            )
            continue
        _sources[entry_point.name] = source


def register_plugin(plugin: object, name: str, source: PluginSource | None = None) -> None:
    """Register an in-process plugin (tests, notebooks). Undo with ``unregister_plugin``."""
    pm.register(plugin, name=name)
    _sources[name] = source or PluginSource(name, "local")


def unregister_plugin(name: str) -> None:
    pm.unregister(name=name)
    _sources.pop(name, None)


def plugin_source(plugin_name: str) -> PluginSource:
    return _sources.get(plugin_name, PluginSource(plugin_name, "unknown"))
