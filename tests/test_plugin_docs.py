"""Every hook is documented in the plugin guide, and the guide's example package is tested."""

from __future__ import annotations

import inspect

from foodcap import hookspecs

from conftest import REPO


def test_every_hook_is_documented_in_the_plugin_guide() -> None:
    guide = (REPO / "docs" / "plugins.md").read_text()
    hooks = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("register_")]
    assert hooks, "no hookspecs found"
    for hook in hooks:
        assert f"`{hook}(" in guide, f"{hook} is not documented in docs/plugins.md"
