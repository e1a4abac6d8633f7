"""foodcap-llama plugin: the llama-lora captioners (their ``lora`` freeze policy is foodcap-core's).

The captioner is registered by import path, so listing plugins never imports transformers or peft.
"""

from __future__ import annotations

from collections.abc import Callable

from foodcap import hookimpl

from .options import DEFAULT_LANGUAGE_MODELS


@hookimpl
def register_captioners(register: Callable[..., None]) -> None:
    for name, language_model in DEFAULT_LANGUAGE_MODELS.items():
        register(
            "foodcap_llama.captioner:LlamaLoraCaptioner",
            name=name,
            defaults={"model": language_model},
            description=f"ViT + {language_model} with a visual prefix and LoRA (ClipCap/LLaVA style).",
        )
