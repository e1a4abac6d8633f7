"""The frozen pretrained halves (ViT and Llama) with their tokenizer and image processor.

Llama 3.2 is gated: transformers reads HF_TOKEN from the environment, and nothing here passes a
token of its own, so the user's token always applies; a refusal becomes one line via hub_errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import (
    AutoImageProcessor,
    AutoModelForCausalLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    ViTModel,
)

from foodcap.backend import WeightsFile, hub_errors, load_pretrained_weights


@dataclass
class BaseModels:
    tokenizer: PreTrainedTokenizerBase
    image_processor: Any
    vision: PreTrainedModel
    language_model: PreTrainedModel
    weights: list[WeightsFile] = field(default_factory=list)  # the files read, for run.json (none: random)


def load_base_models(
    language_model: str, vision_model: str, dtype: torch.dtype, placement: dict[str, Any] | None = None
) -> BaseModels:
    """Load both halves from hub ids or local folders (safetensors where the repository has them, else
    torch's weights-only unpickler; no remote code).

    ``placement`` (see ``foodcap.placement.placement_kwargs``) spreads the language model over devices.
    """
    with hub_errors(language_model, "language model"):
        tokenizer = AutoTokenizer.from_pretrained(language_model)
    language, language_weights = load_pretrained_weights(
        AutoModelForCausalLM.from_pretrained, language_model, "language model", dtype=dtype, **(placement or {})
    )
    with hub_errors(vision_model, "vision model"):
        image_processor = AutoImageProcessor.from_pretrained(vision_model)
    # The in21k checkpoint's pooler feeds a classifier head; the prefix uses the token sequence.
    vision, vision_weights = load_pretrained_weights(
        ViTModel.from_pretrained, vision_model, "vision model", add_pooling_layer=False, dtype=dtype
    )
    weights = [found for found in (language_weights, vision_weights) if found is not None]
    return BaseModels(tokenizer, image_processor, vision.eval(), language.eval(), weights)
