"""The checkpoint folder: a peft adapter (loadable with plain ``PeftModel.from_pretrained``) plus our config.

The base model is not copied: the config names it (hub id or folder) or records that it was
random, in which case the fixed seed rebuilds it. The projector, when it trained, is in the
adapter as a peft ``modules_to_save`` entry, so plain peft restores it too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from peft import LoraConfig, PeftModel
from pydantic import BaseModel, ConfigDict
from torch import nn

from foodcap import FoodcapError
from foodcap.backend import LoraSettings, RandomWeights
from foodcap.backend import read_checkpoint_config as checkpoint_config

from .families import Family

CONFIG_FILE = "foodcap-vlm.json"


class CheckpointConfig(BaseModel):
    """Everything needed to rebuild the captioner around the saved adapter."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    format: Literal[1] = 1
    model: str | None
    random_weights: RandomWeights | None
    family: str
    prompt: str
    system_prompt: str | None
    max_title_tokens: int
    lora: LoraSettings


def lora_config(family: Family, settings: LoraSettings) -> LoraConfig:
    """LoRA on the language model's ``target_modules`` only (never the vision tower's layers of the
    same names); the projector is saved whole alongside, in case the freeze policy trains it."""
    names = "|".join(re.escape(name) for name in settings.target_modules)
    return LoraConfig(
        r=settings.r,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=rf"{re.escape(family.language_model)}\..*\.({names})",
        modules_to_save=[family.projector.rsplit(".", 1)[-1]],
    )


def write_checkpoint(directory: Path, config: CheckpointConfig, model: PeftModel) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(directory), safe_serialization=True)
    (directory / CONFIG_FILE).write_text(config.model_dump_json(indent=2) + "\n", encoding="utf-8")


def read_checkpoint_config(directory: Path) -> CheckpointConfig:
    return checkpoint_config(directory, CONFIG_FILE, CheckpointConfig, "foodcap-vlm")


def attach_adapter(
    model: nn.Module, directory: Path, trainable: bool, placement: dict[str, Any] | None = None
) -> PeftModel:
    """The saved adapter on ``model``; trainable so that training can resume from it.

    A model spread over devices (``--device-map``) is re-spread with the adapter by the same ``placement``.
    """
    try:
        return PeftModel.from_pretrained(model, str(directory), is_trainable=trainable, **(placement or {}))
    except (RuntimeError, ValueError, OSError) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise FoodcapError(f"the LoRA adapter in {directory} does not fit its base model ({first})") from error
