"""foodcap-gemma plugin: registers with foodcap through the entry point in pyproject.toml.

The captioner is registered by import path, so listing plugins never imports transformers' models.
"""

from collections.abc import Callable

from foodcap import hookimpl

# One class, three sizes: the -it checkpoints differ only in weights and width.
SIZES = {
    "gemma-3-4b": "google/gemma-3-4b-it",
    "gemma-3-12b": "google/gemma-3-12b-it",
    "gemma-3-27b": "google/gemma-3-27b-it",
}


@hookimpl
def register_captioners(register: Callable[..., None]) -> None:
    for name, model in SIZES.items():
        register(
            "foodcap_gemma.captioner:GemmaCaptioner",
            name=name,
            defaults={"model": model},
            description=f"Gemma 3 ({model}): asks for the recipe title, batched; few-shot, LoRA.",
        )
