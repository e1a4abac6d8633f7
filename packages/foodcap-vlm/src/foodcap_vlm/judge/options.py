"""What the judge metric can be told: ``--metric-option judge.KEY=VALUE`` or ``[evaluation.metric_options.judge]``."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from foodcap import MetricOptions

from ..quantization import Quantization
from .prompts import JudgeMode, JudgePrompt, judge_prompt

DEFAULT_JUDGE = "qwen2.5-vl-7b"


class JudgeOptions(MetricOptions):
    """The judge model, the question it is asked, and how it runs."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str = Field(
        DEFAULT_JUDGE, description="A chat-VLM captioner preset (qwen2.5-vl-7b, gemma-3-12b...), a hub id or a folder."
    )
    mode: JudgeMode = Field(
        "dish",
        description="dish: does the caption name the same dish as the reference? image: does it describe "
        "the photo (reference-free)?",
    )
    prompt_version: int | None = Field(None, description="Version of the mode's question (default: the latest).")
    family: Literal["gemma3", "qwen2_5_vl", "idefics3", "paligemma"] | None = Field(
        None, description="Model family, for random_weights without a preset."
    )
    random_weights: Literal["tiny"] | None = Field(
        None, description="A tiny random-weight judge built offline (tests, smoke runs): its scores mean nothing."
    )
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    quantization: Quantization = Field("none", description="4bit or 8bit weights (foodcap-vlm[quant], CUDA).")
    batch_size: int = Field(16, ge=1, description="Captions judged per forward pass.")

    @model_validator(mode="after")
    def _known_prompt_version(self) -> JudgeOptions:
        judge_prompt(self.mode, self.prompt_version)  # a ValueError names the versions there are
        return self

    @property
    def prompt(self) -> JudgePrompt:
        return judge_prompt(self.mode, self.prompt_version)
