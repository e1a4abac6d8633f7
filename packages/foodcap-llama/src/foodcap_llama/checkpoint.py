"""The checkpoint folder: the peft adapter, the projector (safetensors) and a JSON config.

The base models are not copied: the config names them (hub id or folder), or records that they
were random, in which case the fixed seed rebuilds them. The ViT is saved only if it trained.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import torch
from peft import PeftModel
from pydantic import BaseModel, ConfigDict
from safetensors.torch import load_file, save_file
from torch import nn

from foodcap import FoodcapError
from foodcap.backend import LoraSettings, RandomWeights
from foodcap.backend import read_checkpoint_config as checkpoint_config

from .visual_prefix import VisualPrefixLM

CONFIG_FILE = "foodcap-llama.json"
ADAPTER_DIR = "adapter"
PROJECTOR_FILE = "projector.safetensors"
VISION_FILE = "vision.safetensors"


class CheckpointConfig(BaseModel):
    """Everything needed to rebuild the captioner around the saved weights."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    format: Literal[1] = 1
    language_model: str
    vision_model: str
    random_weights: RandomWeights | None
    prompt: str
    prefix_tokens: int | None
    max_title_tokens: int
    lora: LoraSettings
    vision_width: int
    text_width: int
    vision_trained: bool


def write_checkpoint(directory: Path, config: CheckpointConfig, model: VisualPrefixLM) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    model.language_model.save_pretrained(str(directory / ADAPTER_DIR), safe_serialization=True)
    save_file(_cpu_state(model.projector), str(directory / PROJECTOR_FILE))
    if config.vision_trained:
        save_file(_cpu_state(model.vision), str(directory / VISION_FILE))
    (directory / CONFIG_FILE).write_text(config.model_dump_json(indent=2) + "\n", encoding="utf-8")


def read_checkpoint_config(directory: Path) -> CheckpointConfig:
    return checkpoint_config(directory, CONFIG_FILE, CheckpointConfig, "llama-lora")


def attach_adapter(
    language_model: nn.Module, directory: Path, base_name: str, placement: dict[str, Any] | None = None
) -> PeftModel:
    """The saved LoRA adapter on ``language_model``, trainable so training can resume from it.

    A language model spread over devices is re-spread with the adapter by the same ``placement``.
    """
    try:
        return PeftModel.from_pretrained(
            language_model, str(directory / ADAPTER_DIR), is_trainable=True, **(placement or {})
        )
    except (RuntimeError, ValueError, OSError) as error:
        raise FoodcapError(
            f"the LoRA adapter in {directory} does not fit language model {base_name!r} ({_detail(error)})"
        ) from error


def load_weights(module: nn.Module, file: Path) -> None:
    """Copy a safetensors file into ``module``; every tensor must match exactly."""
    if not file.is_file():
        raise FoodcapError(f"checkpoint file {file} is missing")
    state = load_file(str(file))
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise FoodcapError(f"{file} does not fit this model ({_detail(error)})") from error


def _detail(error: Exception) -> str:
    """The informative line of a load_state_dict error (the first size mismatch), else its first line."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()] or [type(error).__name__]
    return next((line for line in lines if "size mismatch" in line), lines[0])


def _cpu_state(module: nn.Module) -> dict[str, torch.Tensor]:
    # contiguous() because safetensors refuses views; clone() because it refuses shared storage.
    return {name: tensor.detach().cpu().contiguous().clone() for name, tensor in module.state_dict().items()}
