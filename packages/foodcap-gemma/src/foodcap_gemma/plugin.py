"""foodcap-gemma plugin: registers with foodcap through the entry point in pyproject.toml."""

from collections.abc import Callable

from foodcap import hookimpl

from .captioner import GemmaCaptioner

# One class, three sizes: the -it checkpoints differ only in weights and width.
SIZES = {
    "gemma-3-4b": "google/gemma-3-4b-it",
    "gemma-3-12b": "google/gemma-3-12b-it",
    "gemma-3-27b": "google/gemma-3-27b-it",
}


@hookimpl
def register_captioners(register: Callable[..., None]) -> None:
    for name, model in SIZES.items():
        register(GemmaCaptioner, name=name, defaults={"model": model})
