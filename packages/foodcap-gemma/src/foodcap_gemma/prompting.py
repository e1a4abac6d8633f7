"""The question Gemma is asked about each image, and the picklable preprocessor that asks it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from PIL.Image import Image

from foodcap import Batch

DEFAULT_PROMPT = (
    "What dish is shown in this photo? Answer with its recipe title only, in a few words, "
    "the way a recipe website would name it. No other text."
)


def chat_text(processor: Any, prompt: str) -> str:
    """One user turn (the image, then ``prompt``) in the model's chat template, ready for the answer."""
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
    return processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


class GemmaPreprocessor:
    """Images to Gemma inputs. Runs in DataLoader workers, so it holds only the processor and text.

    The chat-templated prompt is rendered once here rather than once per image.
    """

    def __init__(self, processor: Any, prompt: str) -> None:
        self.processor = processor
        self.prompt = prompt
        self.text = chat_text(processor, prompt)

    def __call__(self, images: list[Image], prompts: Sequence[str] | None = None) -> Batch:
        """Encode ``images``; ``prompts`` (one per image) replaces the captioner's prompt if given."""
        if prompts is None:
            texts = [self.text] * len(images)
        elif len(prompts) != len(images):
            raise ValueError(f"got {len(prompts)} prompts for {len(images)} images")
        else:
            texts = [chat_text(self.processor, prompt) for prompt in prompts]
        encoded = self.processor(
            text=texts,
            images=[[image] for image in images],
            padding=True,
            # Left padding keeps every prompt's last token in the last column, where generation
            # continues; right padding would make shorter prompts continue after pad tokens.
            padding_side="left",
            # The template already starts with <bos>; the tokenizer must not add a second one.
            add_special_tokens=False,
            return_tensors="pt",
        )
        return {key: value for key, value in encoded.items() if isinstance(value, torch.Tensor)}
