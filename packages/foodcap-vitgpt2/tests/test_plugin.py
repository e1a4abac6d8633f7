"""The package registers `vit-gpt2` through its entry point, like any third-party plugin."""

from __future__ import annotations

from foodcap.registry import get_registry
from foodcap_vitgpt2.captioner import DEFAULT_MODEL, ViTGPT2Captioner, ViTGPT2Options


def test_vit_gpt2_is_registered_with_the_hub_model_as_default() -> None:
    registry = get_registry()
    entry = registry.captioner("vit-gpt2")
    assert entry.obj is ViTGPT2Captioner
    assert entry.source.distribution == "foodcap-vitgpt2"
    assert DEFAULT_MODEL == "nlpconnect/vit-gpt2-image-captioning"
    options = registry.captioner_options("vit-gpt2", {"max_title_tokens": 24})
    assert isinstance(options, ViTGPT2Options)
    assert options.model == DEFAULT_MODEL and options.max_title_tokens == 24
    assert {"none", "encoder", "decoder"} <= set(registry.freeze_policies)
