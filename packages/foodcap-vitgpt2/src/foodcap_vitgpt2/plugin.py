"""foodcap-vitgpt2 plugin: registers with foodcap through the entry point in pyproject.toml."""

from collections.abc import Callable

from foodcap import hookimpl

from .captioner import DEFAULT_MODEL, ViTGPT2Captioner


@hookimpl
def register_captioners(register: Callable[..., None]) -> None:
    register(ViTGPT2Captioner, name="vit-gpt2", defaults={"model": DEFAULT_MODEL})
