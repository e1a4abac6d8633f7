"""What a VLM captioner can be told, described once for the CLI, config files and run records."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from foodcap import CaptionerOptions
from foodcap.backend import LoraSettings

from .quantization import Quantization


class VlmOptions(CaptionerOptions):
    """Options of every chat-VLM captioner, on top of those every captioner takes."""

    family: Literal["gemma3", "qwen2_5_vl", "idefics3", "paligemma"] | None = Field(
        None, description="Model family for --random-weights (presets set it; a loaded model's config decides)."
    )
    prompt: str | None = Field(
        None,
        min_length=1,
        description="The question asked about each image; default: the family's task prefix "
        "(PaliGemma 2: 'caption en'), else a request for the recipe title.",
    )
    train_model: str | None = Field(
        None,
        description="Hub id or folder that foodcap train starts from, when not model (the paligemma2-3b "
        "preset: the pt checkpoint, made for fine-tuning; mix is tuned for use as it is).",
    )
    system_prompt: str | None = Field(None, description="A system turn before the question (families that have one).")
    shots: int = Field(0, ge=0, le=16, description="Example (image, title) pairs from the train split in each prompt.")
    shot_format: Literal["images", "titles"] = Field(
        "images",
        description="images: example photos with their titles as earlier turns; titles: only the titles, "
        "as a list in the question (for small context windows).",
    )
    shot_seed: int = Field(0, description="Seed that picks the examples from the train split.")
    processor_options: dict[str, Any] = Field(
        default_factory=dict,
        description="Processor settings laid over the family's (e.g. max_pixels for Qwen2.5-VL).",
    )
    max_title_tokens: int = Field(32, ge=1, description="Longest title (in tokens) trained on.")
    # A lighter dropout than the study's 0.1: VLM fine-tunes start from a model that already captions.
    lora: LoraSettings = Field(default_factory=lambda: LoraSettings(dropout=0.05))
    quantization: Quantization = Field(
        "none",
        description="Load weights in 4 or 8 bits (needs foodcap-vlm[quant] and a CUDA GPU); 4bit + "
        "--freeze lora is QLoRA.",
    )
    attention: Literal["auto", "sdpa", "eager"] = Field(
        "auto", description="Attention implementation; auto is sdpa where the family supports it, else eager."
    )
    min_new_tokens: int | None = Field(
        None, ge=1, description="Generate at least this many tokens (benchmarks force a fixed length)."
    )
