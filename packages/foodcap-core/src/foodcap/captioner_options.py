"""Options every captioner takes: plain pydantic models, importable (for flags and --help) without torch."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class GenerationOptions(BaseModel):
    """Decoding settings; ``None`` means "the captioner's own default"."""

    model_config = ConfigDict(extra="forbid")

    max_new_tokens: int | None = Field(None, ge=1, description="Most tokens to generate per caption.")
    num_beams: int | None = Field(None, ge=1, description="Beam width (1 = greedy).")
    no_repeat_ngram_size: int | None = Field(None, ge=0, description="Forbid repeating n-grams of this size.")
    repetition_penalty: float | None = Field(None, gt=0, description="Penalty (>1) on repeated tokens.")
    length_penalty: float | None = Field(None, description="Beam-search length penalty.")

    def merged_over(self, defaults: Mapping[str, Any]) -> dict[str, Any]:
        """The captioner's defaults with every option the user set laid over them."""
        return {**defaults, **self.model_dump(exclude_none=True)}


RandomWeights = Literal["tiny", "full"]  # --random-weights: a tiny or a full-size architecture


class CaptionerOptions(BaseModel):
    """Options every captioner takes. Plugins subclass this to add their own fields."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str | None = Field(None, description="Hub id or local folder; None = the captioner's default.")
    checkpoint: Path | None = Field(None, description="A folder written by `foodcap train`.")
    random_weights: RandomWeights | None = Field(
        None, description="Build the architecture offline with random weights instead of loading."
    )
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    device_map: Literal["auto", "balanced", "balanced_low_0", "sequential"] | None = Field(
        None, description="Spread one model over the visible GPUs (accelerate's big-model placement)."
    )
    max_memory: str | None = Field(
        None, description="With --device-map: memory per device, e.g. 0=20GiB,1=20GiB,cpu=64GiB."
    )
    generation: GenerationOptions = Field(default_factory=GenerationOptions)
