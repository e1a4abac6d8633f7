from __future__ import annotations

import importlib.metadata
import logging

import pytest

from foodcap import hookimpl
from foodcap import plugins as plugin_module
from foodcap.errors import FoodcapError
from foodcap.plugins import register_plugin, unregister_plugin
from foodcap.registry import Registry, get_registry, reset_registry


def test_builtin_freeze_policies_come_from_foodcap_core() -> None:
    registry = get_registry()
    assert {"none", "encoder", "decoder"} <= set(registry.freeze_policies)
    assert registry.freeze_policy("encoder").source.distribution == "foodcap-core"


def test_in_process_plugin_is_found_and_removed(fake_plugin: type) -> None:
    assert get_registry().captioner("fake").obj is fake_plugin
    unregister_plugin("fake-test")
    reset_registry()
    assert "fake" not in get_registry().captioners
    register_plugin(__import__("fake_captioner").FakePlugin, name="fake-test")  # fixture cleanup expects it


class BrokenPlugin:
    @staticmethod
    @hookimpl
    def register_captioners(register):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")


def test_plugin_that_fails_to_register_does_not_break_others(
    fake_plugin: type, caplog: pytest.LogCaptureFixture
) -> None:
    register_plugin(BrokenPlugin, name="broken-test")
    reset_registry()
    try:
        with caplog.at_level(logging.WARNING, logger="foodcap"):
            registry = get_registry()
        assert "fake" in registry.captioners and "none" in registry.freeze_policies
        warnings = [r.getMessage() for r in caplog.records if "broken-test" in r.getMessage()]
        assert len(warnings) == 1 and "RuntimeError: boom" in warnings[0]
    finally:
        unregister_plugin("broken-test")


class _BadEntryPoint:
    name = "kaput"
    dist = type("Dist", (), {"name": "foodcap-kaput", "version": "9.9"})()

    def load(self) -> object:
        raise ImportError("No module named 'kaput_dependency'")


def test_entry_point_that_fails_to_import_is_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = importlib.metadata.entry_points
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [*real(group=group), _BadEntryPoint()])
    monkeypatch.setattr(plugin_module, "_loaded", False)
    with caplog.at_level(logging.WARNING, logger="foodcap"):
        plugin_module.load_plugins()
    lines = [r.getMessage() for r in caplog.records if "kaput" in r.getMessage()]
    assert lines == [
        "plugin 'kaput' from foodcap-kaput 9.9 failed to load (ImportError: No module named "
        "'kaput_dependency'); check that it is compatible with foodcap-core"
    ]


@pytest.mark.parametrize(
    "variable, value, expect_loaded",
    [
        ("FOODCAP_PLUGINS", "something-else", False),
        ("FOODCAP_PLUGINS", "foodcap-core", True),
        ("FOODCAP_DISABLE_PLUGINS", "builtin-freeze-policies", False),
    ],
)
def test_environment_allow_and_deny_lists(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expect_loaded: bool
) -> None:
    monkeypatch.setenv(variable, value)
    assert plugin_module._wanted("builtin-freeze-policies", "foodcap-core") is expect_loaded


def test_unknown_captioner_names_installed_ones_and_the_provider_to_install() -> None:
    registry = Registry()
    registry.captioners["vit-gpt2"] = get_registry().freeze_policy("none")  # any entry: only the name matters
    with pytest.raises(FoodcapError) as error:
        registry.captioner("llama-lora-1b")
    assert str(error.value) == (
        "unknown captioner 'llama-lora-1b' (installed: vit-gpt2); it is provided by "
        "foodcap-llama: pip install foodcap-llama"
    )
    with pytest.raises(FoodcapError, match="did you mean 'vit-gpt2'"):
        registry.captioner("vit-gtp2")


class LazyPlugin:
    @staticmethod
    @hookimpl
    def register_captioners(register):  # type: ignore[no-untyped-def]
        register("fake_captioner:FakeCaptioner", name="lazy-fake", description="imported on first use")
        register("no_such_module_here:Thing", name="lazy-broken", description="cannot import")


def test_import_path_registrations_load_on_first_use() -> None:
    register_plugin(LazyPlugin, name="lazy-test")
    reset_registry()
    try:
        registry = get_registry()
        assert registry.captioners["lazy-fake"].description == "imported on first use"
        assert isinstance(registry.captioners["lazy-fake"].target, str)  # listing did not import it
        assert registry.captioner("lazy-fake").obj.__name__ == "FakeCaptioner"
        with pytest.raises(
            FoodcapError,
            match=r"captioner 'lazy-broken' from lazy-test local failed to import "
            r"\(ModuleNotFoundError",
        ):
            registry.captioner("lazy-broken").obj  # noqa: B018
    finally:
        unregister_plugin("lazy-test")
        reset_registry()
