"""What a VLM captioner can be told, described once for the CLI, config files and run records."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from foodcap import CaptionerOptions

from .prompting import DEFAULT_PROMPT
from .quantization import Quantization


class LoraSettings(BaseModel):
    """The LoRA adapter on the language model's attention projections."""

    model_config = ConfigDict(extra="forbid")

    r: int = Field(16, ge=1, description="LoRA rank.")
    alpha: int = Field(32, ge=1, description="LoRA alpha (scale = alpha / r).")
    dropout: float = Field(0.05, ge=0, lt=1, description="Dropout on the LoRA input while training.")
    target_modules: tuple[str, ...] = Field(
        ("q_proj", "k_proj", "v_proj", "o_proj"),
        description="Linear layers of the language model that get adapters (never the vision tower's).",
    )


class VlmOptions(CaptionerOptions):
    """Options of every chat-VLM captioner, on top of those every captioner takes."""

    family: Literal["gemma3", "qwen2_5_vl", "idefics3", "paligemma"] | None = Field(
        None, description="Model family for --random-weights (presets set it; a loaded model's config decides)."
    )
    prompt: str = Field(DEFAULT_PROMPT, min_length=1, description="The question asked about each image.")
    system_prompt: str | None = Field(None, description="A system turn before the question (families that have one).")
    shots: int = Field(0, ge=0, le=16, description="Example (image, title) pairs from the train split in each prompt.")
    shot_format: Literal["images", "titles"] = Field(
        "images", description="images: example photos with their titles as earlier turns; titles: only the titles, "
        "as a list in the question (for small context windows).",
    )
    shot_seed: int = Field(0, description="Seed that picks the examples from the train split.")
    processor_options: dict[str, Any] = Field(
        default_factory=dict,
        description="Processor settings laid over the family's (e.g. max_pixels for Qwen2.5-VL).",
    )
    max_title_tokens: int = Field(32, ge=1, description="Longest title (in tokens) trained on.")
    lora: LoraSettings = Field(default_factory=LoraSettings)
    quantization: Quantization = Field(
        "none", description="Load weights in 4 or 8 bits (needs foodcap-vlm[quant] and a CUDA GPU); 4bit + "
        "--freeze lora is QLoRA.",
    )
    attention: Literal["auto", "sdpa", "eager"] = Field(
        "auto", description="Attention implementation; auto is sdpa where the family supports it, else eager."
    )
    min_new_tokens: int | None = Field(
        None, ge=1, description="Generate at least this many tokens (benchmarks force a fixed length)."
    )
