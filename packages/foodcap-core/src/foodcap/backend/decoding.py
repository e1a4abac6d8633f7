"""Decoding from a generation config that foodcap builds, and nothing the checkpoint's hub copy carries.

transformers' ``generate`` fills every setting its caller left unset from ``model.generation_config``,
which ``from_pretrained`` reads from the checkpoint's ``generation_config.json``. Qwen2.5-VL's sets
``repetition_penalty`` (and sampling settings): greedy captions would then penalise every token of
the prompt, few-shot titles included. So the captioner's config *replaces* the model's: what is
not set here (or by the user with ``-o``) is transformers' plain default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transformers import GenerationConfig, PreTrainedModel


def clean_generation_config(settings: Mapping[str, Any], **token_ids: int | list[int] | None) -> GenerationConfig:
    """Greedy or beam search as ``settings`` say (never sampling), with the given stop/pad/start ids."""
    ids = {name: value for name, value in token_ids.items() if value is not None}
    return GenerationConfig(**{**settings, "do_sample": False}, **ids)


def decode_with(model: PreTrainedModel, config: GenerationConfig) -> None:
    """Make ``config`` the model's own, so that ``generate`` has nothing from the hub to merge under it."""
    model.generation_config = config


def generation_record(config: GenerationConfig) -> dict[str, Any]:
    """The settings that differ from transformers' defaults, for run.json."""
    return {key: value for key, value in config.to_diff_dict().items() if key != "transformers_version"}
