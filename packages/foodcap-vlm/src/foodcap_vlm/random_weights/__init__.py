"""Random-weight models of every family, built offline from the real transformers classes.

``tiny`` (a few hundred thousand parameters) is for tests and CPU smoke runs. Each family's
processor is made locally: a small byte-level BPE with the family's special tokens, its real chat
template and its real image processor, so prompts, image tokens and padding are the real ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import torch
from transformers import PreTrainedModel

from foodcap import FoodcapError
from foodcap.backend import RandomWeights, sample_titles

from ..prompting import DEFAULT_PROMPT

ModelT = TypeVar("ModelT", bound=torch.nn.Module)

# What the offline tokenizers learn their merges from: the prompt, chat words and dish titles.
TOKENIZER_TEXTS = (
    DEFAULT_PROMPT,
    "user\nmodel\nassistant\nsystem\nUser: Assistant: You are a helpful assistant.",
    "Examples of recipe titles:",
    "Roast Chicken with Lemon and Garlic",
    "Spicy Curry Noodle Soup with Chicken and Sweet Potato",
    "Smoked Salmon with Black Pepper Potato Chips",
    "Harissa-Crusted Tri-Tip Roast",
    "Matzo Ball Soup",
    *sample_titles(),
)

# The language model of every tiny family: two layers of width 64 (head_dim 16), GQA 4:2.
TINY_TEXT: dict[str, Any] = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 1024,
}


def seeded(build: Callable[[], ModelT], device: torch.device | str, seed: int) -> ModelT:
    """``build()`` under ``seed`` on ``device``, without touching the caller's random state."""
    device = torch.device(device)
    devices = (
        [] if device.type != "cuda" else [device.index if device.index is not None else torch.cuda.current_device()]
    )
    with torch.random.fork_rng(devices=devices), device:
        torch.manual_seed(seed)
        return build()


def seeded_model(
    model_class: Any, config: Any, *, device: torch.device | str, dtype: torch.dtype, attention: str, seed: int
) -> Any:
    """``model_class`` with random weights from ``config``, seeded (see ``seeded``)."""
    return seeded(lambda: model_class._from_config(config, dtype=dtype, attn_implementation=attention), device, seed)


def require_tiny(size: RandomWeights, label: str) -> None:
    if size != "tiny":
        raise FoodcapError(f"--random-weights full is built for Gemma 3 only; use tiny for {label}")


@torch.no_grad()
def wake_projection(weight: torch.Tensor, std: float | None) -> None:
    """transformers zero-initialises some image projections (a checkpoint overwrites them); left at
    zero, every image would reach the language model as the same blank and the image would not matter."""
    torch.nn.init.normal_(weight, std=std or 0.02)


def build_random(builder: str, size: RandomWeights, **kwargs: Any) -> tuple[PreTrainedModel, Any]:
    """Call a family's ``module:function`` builder."""
    import importlib

    module, _, name = builder.partition(":")
    return getattr(importlib.import_module(module), name)(size, **kwargs)  # type: ignore[no-any-return]


def save_random(builder: str, size: RandomWeights, folder: Path, *, seed: int = 0) -> Path:
    """Write a random-weight model (safetensors) and its processor where ``--model`` can load them."""
    model, processor = build_random(builder, size, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)  # safetensors, the only format transformers 5 writes
    processor.save_pretrained(folder)
    return folder
