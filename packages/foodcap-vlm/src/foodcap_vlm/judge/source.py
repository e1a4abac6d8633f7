"""Which chat VLM judges: a captioner preset of foodcap-vlm (or of a plugin built on it), or a hub id or folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import foodcap
from foodcap import FoodcapError

from ..options import VlmOptions
from .options import JudgeOptions

GENERIC_CAPTIONER = "vlm"  # foodcap-vlm's captioner for any chat VLM given by hub id or folder


@dataclass(frozen=True)
class JudgeSource:
    """The captioner that loads the judge, the options it is given, and those options validated."""

    preset: str | None  # None for a hub id or folder (loaded by the generic captioner)
    settings: dict[str, Any]
    options: VlmOptions

    @property
    def captioner(self) -> str:
        return self.preset or GENERIC_CAPTIONER


def names_a_preset(model: str) -> bool:
    """Hub ids are ``owner/name`` and folders exist; anything else names a registered captioner."""
    return "/" not in model and not Path(model).expanduser().is_dir()


def judge_source(options: JudgeOptions) -> JudgeSource:
    """Resolve ``options.model`` without loading anything: a chat-VLM captioner lends its registered defaults
    (model, family, resolution); anything else is a hub id or folder for the generic captioner."""
    settings: dict[str, Any] = {
        "random_weights": options.random_weights,
        "device": options.device,
        "dtype": options.dtype,
        "quantization": options.quantization,
    }
    if options.family is not None:
        settings["family"] = options.family
    if names_a_preset(options.model):
        preset: str | None = options.model
        if not isinstance(foodcap.captioner_settings(options.model), VlmOptions):  # before options it may not take
            raise FoodcapError(
                f"judge model {options.model!r} is a captioner but not a chat VLM; name a preset of "
                "foodcap-vlm (qwen2.5-vl-7b, gemma-3-12b...), a hub id or a folder"
            )
    else:
        preset, settings = None, {"model": options.model, **settings}
    vlm = cast(VlmOptions, foodcap.captioner_settings(preset or GENERIC_CAPTIONER, **settings))
    if vlm.random_weights is not None and vlm.family is None:
        raise FoodcapError(
            "a random-weight judge needs a family: --metric-option judge.family=gemma3|qwen2_5_vl|"
            "idefics3|paligemma, or a preset as judge.model (e.g. smolvlm-256m)"
        )
    return JudgeSource(preset, settings, vlm)
