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


def test_the_public_helpers_for_plugins_are_pinned_and_documented() -> None:
    """``foodcap.backend`` is the plugins' stable surface: adding or removing a name is a decision,
    made here and in the plugin guide together."""
    import foodcap.backend

    assert foodcap.backend.__all__ == [
        "checkpoint_problems",
        "choose_dtype",
        "clean_generation_config",
        "decode_with",
        "describe_placement",
        "dispatch",
        "find_weights",
        "generation_record",
        "hub_errors",
        "load_pretrained_weights",
        "looks_like_path",
        "LoraSettings",
        "mixed_precision",
        "native_bf16",
        "open_rgb",
        "placement_kwargs",
        "Precision",
        "RandomWeights",
        "read_checkpoint_config",
        "resolve_device",
        "resolve_dtype",
        "safetensors_problem",
        "sample_titles",
        "train_offline_tokenizer",
        "TrainAdapters",
        "UnreadableImage",
        "WeightsFile",
    ]
    guide = (REPO / "docs" / "plugins.md").read_text()
    for name in foodcap.backend.__all__:
        assert f"`{name}" in guide, f"foodcap.backend.{name} is not in docs/plugins.md"
        assert getattr(foodcap.backend, name) is not None


def test_plugin_packages_import_core_helpers_only_from_the_public_modules() -> None:
    """Plugins use ``foodcap`` and ``foodcap.backend``; anything deeper is the core's to move."""
    import ast

    for source in [*REPO.glob("packages/foodcap-*/src/**/*.py"), *REPO.glob("examples/*/src/**/*.py")]:
        if "foodcap-core" in source.parts:
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("foodcap"):
                assert node.module in ("foodcap", "foodcap.backend") or not node.module.startswith("foodcap."), (
                    f"{source}: from {node.module} import ..."
                )
