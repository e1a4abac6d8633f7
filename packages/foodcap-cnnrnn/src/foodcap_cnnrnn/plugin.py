"""foodcap-cnnrnn plugin: the ``cnn-rnn`` captioner and the study's three presets.

Registered by import path, so listing plugins never imports torch or transformers.
"""

from __future__ import annotations

from collections.abc import Callable

from foodcap import hookimpl

from .options import PRESETS

CAPTIONER = "foodcap_cnnrnn.captioner:CnnRnnCaptioner"


@hookimpl
def register_captioners(register: Callable[..., None]) -> None:
    register(
        CAPTIONER,
        name="cnn-rnn",
        description="CNN encoder (ResNet-18/50 or VGG19) whose pooled feature starts a GRU or LSTM title decoder.",
    )
    for name, (defaults, description) in PRESETS.items():
        register(CAPTIONER, name=name, defaults=defaults, description=description)
