"""A VLM's processor as ``from_pretrained`` loads it, for images only.

Qwen2.5-VL's processor also holds a video processor, which transformers builds with torchvision.
Captioning needs images only, so its processor is loaded as the same class without the video half:
the same image processor, tokenizer, chat template and token expansion, and no torchvision needed.
"""

from __future__ import annotations

from typing import Any

import transformers
from transformers import AutoProcessor, Qwen2_5_VLProcessor
from transformers.processing_utils import ProcessorMixin

from foodcap import FoodcapError

from .families import Family


class QwenImageProcessor(Qwen2_5_VLProcessor):
    """Qwen2_5_VLProcessor for images only: the same token expansion, no video processor.

    ``from_pretrained`` loads the sub-processors named in ``__init__``, so this one never asks for a
    video processor; everything else (image options, chat template) loads as for the full class.
    """

    def __init__(
        self, image_processor: Any = None, tokenizer: Any = None, chat_template: str | None = None, **kwargs: Any
    ) -> None:
        self.image_token, self.video_token = "<|image_pad|>", "<|video_pad|>"
        self.image_token_id = tokenizer.convert_tokens_to_ids(self.image_token)
        self.video_token_id = tokenizer.convert_tokens_to_ids(self.video_token)
        ProcessorMixin.__init__(self, image_processor, tokenizer, chat_template=chat_template)


IMAGES_ONLY: dict[str, type[ProcessorMixin]] = {"qwen2_5_vl": QwenImageProcessor}


def load_processor(source: str, token: str | None, family: Family, settings: dict[str, Any]) -> Any:
    """The processor of ``source`` with ``settings`` (the family's resolution options) passed as transformers
    documents them; ``check_processor`` then verifies they took effect."""
    loader: Any = IMAGES_ONLY.get(family.model_type, AutoProcessor)
    try:
        processor = loader.from_pretrained(source, token=token, **settings)
    except (ImportError, AttributeError) as error:
        raise FoodcapError(f"the processor of {source!r} needs a library that is missing ({error})") from error
    if getattr(processor, "image_processor", None) is None:
        # AutoProcessor falls back to a bare tokenizer when it cannot resolve the processor class.
        raise FoodcapError(
            f"{source!r} has no image processor that transformers {transformers.__version__} can "
            f"load (it found only a {type(processor).__name__})"
        )
    return processor
