"""foodcap-llama plugin: the llama-lora captioners and the ``lora`` freeze policy."""

from __future__ import annotations

from collections.abc import Callable

from foodcap import hookimpl

from .captioner import LlamaLoraCaptioner
from .freeze_policy import TrainAdapters
from .options import DEFAULT_LANGUAGE_MODELS


@hookimpl
def register_captioners(register: Callable[..., None]) -> None:
    for name, language_model in DEFAULT_LANGUAGE_MODELS.items():
        register(LlamaLoraCaptioner, name=name, defaults={"model": language_model})


@hookimpl
def register_freeze_policies(register: Callable[..., None]) -> None:
    register(TrainAdapters)
