"""ViT + Llama with random weights, built offline: ``tiny`` for tests and CPU smoke runs, ``full``
for GPU benchmarks with the real Llama 3.2 1B/3B and ViT-base shapes (no gated download needed).

Weights come from a fixed seed, so a checkpoint trained on random bases can rebuild them exactly;
the tokenizer is a small local BPE in both sizes (random weights make the words meaningless anyway).
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import (
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
    ViTConfig,
    ViTImageProcessorPil,
    ViTModel,
)

from foodcap import FoodcapError
from foodcap.backend import RandomWeights, sample_titles, train_offline_tokenizer

from .base_models import BaseModels
from .options import DEFAULT_PROMPT

SEED = 0

BEGIN_OF_TEXT = "<|begin_of_text|>"
END_OF_TEXT = "<|end_of_text|>"
PAD = "<|finetune_right_pad_id|>"  # Llama 3's reserved padding token

_LLAMA_3_ROPE = {
    "rope_type": "llama3",
    "rope_theta": 500000.0,
    "factor": 32.0,
    "low_freq_factor": 1.0,
    "high_freq_factor": 4.0,
    "original_max_position_embeddings": 8192,
}
_LLAMA_3_SHARED: dict[str, Any] = {
    "vocab_size": 128256,
    "intermediate_size": 8192,
    "num_key_value_heads": 8,
    "rms_norm_eps": 1e-5,
    "max_position_embeddings": 131072,
    "rope_parameters": _LLAMA_3_ROPE,
    "tie_word_embeddings": True,
}
# The published shapes, keyed by every hub id that has them (instruct variants share the base's).
FULL_SHAPES: dict[str, dict[str, Any]] = {
    **dict.fromkeys(
        ("meta-llama/Llama-3.2-1B", "meta-llama/Llama-3.2-1B-Instruct"),
        {
            **_LLAMA_3_SHARED,
            "hidden_size": 2048,
            "num_hidden_layers": 16,
            "num_attention_heads": 32,
            "head_dim": 64,
        },
    ),
    **dict.fromkeys(
        ("meta-llama/Llama-3.2-3B", "meta-llama/Llama-3.2-3B-Instruct"),
        {
            **_LLAMA_3_SHARED,
            "hidden_size": 3072,
            "num_hidden_layers": 28,
            "num_attention_heads": 24,
            "head_dim": 128,
        },
    ),
}
# Small enough for CPU tests, big enough to learn the sample's colours and dishes in seconds.
# initializer_range 0.1, not 0.02: the frozen tied embeddings bound the logits, and with 0.02
# they stay within about +-2.6 at this width, too flat for a short training to get anywhere.
_TINY_LLAMA: dict[str, Any] = {
    "hidden_size": 128,
    "intermediate_size": 256,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 512,
    "tie_word_embeddings": True,
    "initializer_range": 0.1,
}
_TINY_VIT: dict[str, Any] = {
    "hidden_size": 64,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 128,
    "image_size": 32,
    "patch_size": 8,
}

# What the offline tokenizer learns its merges from: the prompt, dish-like words and the sample's titles.
_TOKENIZER_TEXTS = (
    DEFAULT_PROMPT,
    "Roast Chicken with Lemon and Garlic",
    "Tomato Soup with Basil",
    "Chocolate Chip Cookies",
    "Grilled Salmon with Dill Sauce",
    "Apple Pie with Cinnamon",
    "Mushroom Risotto",
    "Banana Bread",
    "Spicy Black Bean Chili",
    "Lemon Tart",
    "Blueberry Pancakes",
    "Pea and Mint Salad",
    "Braised Short Ribs",
    "Pumpkin Bread with Pecans",
    "Shrimp Tacos with Mango Salsa",
)


def offline_llama_tokenizer() -> PreTrainedTokenizerFast:
    """A small byte-level BPE with Llama 3's special-token names (pad is its reserved pad token)."""
    return train_offline_tokenizer(
        [*_TOKENIZER_TEXTS, *sample_titles()],
        vocab_size=512,
        bos_token=BEGIN_OF_TEXT,
        eos_token=END_OF_TEXT,
        pad_token=PAD,
    )


def random_base_models(
    size: RandomWeights, language_model: str, device: torch.device, dtype: torch.dtype
) -> BaseModels:
    """Random ViT + Llama of the given size; ``full`` takes its Llama shape from ``language_model``."""
    tokenizer = offline_llama_tokenizer()
    special = {
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    if size == "tiny":
        llama_config = LlamaConfig(vocab_size=len(tokenizer), **_TINY_LLAMA, **special)
        vit_config = ViTConfig(**_TINY_VIT)
    else:
        if language_model not in FULL_SHAPES:
            known = ", ".join(sorted(FULL_SHAPES))
            raise FoodcapError(f"--random-weights full knows the shapes of {known}; got --model {language_model!r}")
        llama_config = LlamaConfig(**FULL_SHAPES[language_model], **special)
        vit_config = ViTConfig()  # ViT-base/16 at 224 px: 197 tokens of width 768
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices), torch.device(device):
        torch.manual_seed(SEED)
        language = LlamaForCausalLM._from_config(llama_config, dtype=dtype)
        vision = ViTModel._from_config(vit_config, add_pooling_layer=False, dtype=dtype)
    size_px = int(vit_config.image_size)  # type: ignore[arg-type]  # always an int in the configs above
    image_processor = ViTImageProcessorPil(size={"height": size_px, "width": size_px})
    return BaseModels(tokenizer, image_processor, vision.eval(), language.eval())
