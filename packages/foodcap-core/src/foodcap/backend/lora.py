"""One LoRA adapter's settings, shared by every captioner that trains one (foodcap-llama, foodcap-vlm)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

ATTENTION_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj")


class LoraSettings(BaseModel):
    """The study's r=16, alpha=32, dropout 0.1 by default, on the language model's attention projections.

    The visual input reaches the title only through attention, so that is where the language model
    must learn to look at it; adapting q/k/v/o alone is what the LoRA paper found sufficient at a
    fraction of the MLP's parameters. A plugin may give other defaults (``LoraSettings(dropout=0.05)``).
    """

    model_config = ConfigDict(extra="forbid")

    r: int = Field(16, ge=1, description="LoRA rank.")
    alpha: int = Field(32, ge=1, description="LoRA scaling numerator (scale = alpha / r).")
    dropout: float = Field(0.1, ge=0, lt=1, description="Dropout on the adapter's input while training.")
    target_modules: tuple[str, ...] = Field(
        ATTENTION_PROJECTIONS,
        description="Linear layers of the language model that get adapters (never the vision tower's; add "
        "gate_proj,up_proj,down_proj to adapt the MLPs too).",
    )
