"""Gemma 3 as a captioner: foodcap-vlm's chat-VLM captioner, held to the Gemma 3 family.

Everything generic (batching with left padding, prompts, few-shot, LoRA, title clean-up) is in
foodcap-vlm; this package keeps the gemma-3-4b/12b/27b names and their defaults.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from foodcap import CaptionerOptions
from foodcap_vlm.captioner import VlmCaptioner
from foodcap_vlm.options import VlmOptions

DEFAULT_MODEL = "google/gemma-3-12b-it"


class GemmaOptions(VlmOptions):
    """The VLM options, with the family fixed to Gemma 3."""

    model: str | None = Field(DEFAULT_MODEL, description="Hub id or local folder of a Gemma 3 image-text model.")
    family: Literal["gemma3"] = Field("gemma3", description="Always Gemma 3 here; use the vlm captioner for others.")


class GemmaCaptioner(VlmCaptioner):
    """Gemma 3 instruction-tuned, asked for each image's recipe title in one batched ``generate``."""

    name: ClassVar[str] = "gemma-3-12b"
    description: ClassVar[str] = "Gemma 3: asks for the recipe title (batched, left padding); few-shot, LoRA."
    Options: ClassVar[type[CaptionerOptions]] = GemmaOptions
    family_required: ClassVar[str | None] = "gemma3"
