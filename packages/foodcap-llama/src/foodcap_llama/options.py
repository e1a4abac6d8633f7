"""What a llama-lora captioner can be told, described once for the CLI, config files and checkpoints."""

from __future__ import annotations

import math

from pydantic import Field, field_validator

from foodcap import CaptionerOptions
from foodcap.backend import LoraSettings

DEFAULT_VISION_MODEL = "google/vit-base-patch16-224-in21k"
DEFAULT_PROMPT = "Recipe title:"

# Each alias is one class with a different default language model (see plugin.py).
DEFAULT_LANGUAGE_MODELS = {
    "llama-lora-1b": "meta-llama/Llama-3.2-1B",
    "llama-lora-3b": "meta-llama/Llama-3.2-3B",
}


class LlamaLoraOptions(CaptionerOptions):
    """Options of llama-lora-1b/-3b. ``model`` is the language model (any Llama-family causal LM)."""

    vision_model: str = Field(DEFAULT_VISION_MODEL, description="ViT checkpoint (hub id or folder).")
    prompt: str = Field(DEFAULT_PROMPT, description="Text between the visual prefix and the title.")
    prefix_tokens: int | None = Field(
        None,
        ge=1,
        description="Average-pool the ViT patch grid to this many visual tokens (a square number); "
        "None keeps every ViT token (197 for ViT-base).",
    )
    max_title_tokens: int = Field(32, ge=1, description="Longest title (in tokens) trained on.")
    lora: LoraSettings = Field(default_factory=LoraSettings)
    gradient_checkpointing: bool = Field(
        False, description="Recompute activations in the backward pass: less memory, ~30% slower."
    )

    @field_validator("prefix_tokens")
    @classmethod
    def _square(cls, value: int | None) -> int | None:
        if value is not None and math.isqrt(value) ** 2 != value:
            raise ValueError("must be a square number (the patch grid is pooled to side x side)")
        return value
