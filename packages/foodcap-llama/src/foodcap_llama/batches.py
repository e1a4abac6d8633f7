"""Turning images and titles into model inputs. Everything here pickles: it runs in DataLoader workers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from PIL.Image import Image
from transformers import PreTrainedTokenizerBase

from foodcap import Batch

from .visual_prefix import IGNORE_INDEX


@dataclass
class PixelBatch:
    """The captioner's ImagePreprocessor: the ViT's own image processor, as a plain dict of tensors."""

    image_processor: Any

    def __call__(self, images: list[Image]) -> Batch:
        pixels = self.image_processor(images=images, return_tensors="pt")["pixel_values"]
        return {"pixel_values": pixels}


@dataclass
class TitleText:
    """The text half of a sequence: prompt tokens, then the title and EOS (the only tokens with labels).

    Prompt and title are tokenized separately so the boundary between unlabelled and labelled
    tokens is exact. Padding goes on the right and is masked, so the pad id itself never matters
    (Llama 3 has no pad token; EOS stands in for it).
    """

    tokenizer: PreTrainedTokenizerBase
    prompt: str
    max_title_tokens: int

    def __post_init__(self) -> None:
        self.prompt_ids: list[int] = self.tokenizer(self.prompt, add_special_tokens=False)["input_ids"]
        # A title follows the prompt after a space, as it would in running text.
        self.separator = " " if self.prompt and not self.prompt[-1].isspace() else ""

    @property
    def eos_id(self) -> int:
        return int(self.tokenizer.eos_token_id)

    @property
    def pad_id(self) -> int:
        pad = self.tokenizer.pad_token_id
        return self.eos_id if pad is None else int(pad)

    def prompt_tensor(self) -> torch.Tensor:
        """The prompt as a ``(1, length)`` tensor, shared by every image at generation time."""
        return torch.tensor([self.prompt_ids], dtype=torch.long)

    def __call__(self, titles: list[str]) -> Batch:
        """``input_ids``, ``attention_mask`` and ``labels`` for a batch of titles."""
        encoded = self.tokenizer([self.separator + title for title in titles], add_special_tokens=False)["input_ids"]
        rows = [ids[: self.max_title_tokens] + [self.eos_id] for ids in encoded]
        length = len(self.prompt_ids) + max(len(row) for row in rows)
        input_ids = torch.full((len(rows), length), self.pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(rows), length), dtype=torch.long)
        labels = torch.full((len(rows), length), IGNORE_INDEX, dtype=torch.long)
        start = len(self.prompt_ids)
        for index, row in enumerate(rows):
            end = start + len(row)
            input_ids[index, :start] = torch.tensor(self.prompt_ids, dtype=torch.long)
            input_ids[index, start:end] = torch.tensor(row, dtype=torch.long)
            attention_mask[index, :end] = 1
            labels[index, start:end] = input_ids[index, start:end]
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}

    def decode(self, generated: torch.Tensor) -> list[str]:
        texts = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
        return [text.strip() for text in texts]


@dataclass
class TitleCollator:
    """The captioner's TrainingCollator: pixels plus the labelled text."""

    pixels: PixelBatch
    text: TitleText

    def __call__(self, images: list[Image], titles: list[str]) -> Batch:
        return {**self.pixels(images), **self.text(titles)}
