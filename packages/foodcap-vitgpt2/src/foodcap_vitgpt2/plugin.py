"""foodcap-vitgpt2 plugin: registers with foodcap through the entry point in pyproject.toml.

The captioner is registered by import path, so listing plugins never imports transformers' models.
"""

from collections.abc import Callable

from foodcap import hookimpl

DEFAULT_MODEL = "nlpconnect/vit-gpt2-image-captioning"


@hookimpl
def register_captioners(register: Callable[..., None]) -> None:
    register(
        "foodcap_vitgpt2.captioner:ViTGPT2Captioner",
        name="vit-gpt2",
        defaults={"model": DEFAULT_MODEL},
        description="ViT encoder + GPT-2 decoder (VisionEncoderDecoder), zero-shot or fine-tuned.",
    )
