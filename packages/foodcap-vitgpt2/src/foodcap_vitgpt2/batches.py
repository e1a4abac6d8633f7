"""Turning images (and titles) into ViT-GPT2 batches. Both callables run in DataLoader workers, so they pickle."""

from __future__ import annotations

import torch
from PIL.Image import Image
from transformers import PreTrainedTokenizerBase
from transformers.image_processing_utils import BaseImageProcessor

from foodcap import Batch

IGNORED_LABEL = -100
"""Label value the cross-entropy loss skips."""


class ViTPixels:
    """Images -> ``{"pixel_values"}`` through the model's own image processor."""

    def __init__(self, image_processor: BaseImageProcessor) -> None:
        self.image_processor = image_processor

    def __call__(self, images: list[Image]) -> Batch:
        rgb = [image if image.mode == "RGB" else image.convert("RGB") for image in images]
        pixels = self.image_processor(images=rgb, return_tensors="pt")["pixel_values"]
        return {"pixel_values": pixels}


class TitleLabels:
    """Titles -> ``labels`` and ``decoder_attention_mask``.

    Each title is followed by EOS so the model learns where a title ends. GPT-2 pads with the
    same id as EOS, so padding is found by position (the attention mask), never by token id.
    The model builds its decoder inputs by shifting ``labels`` right behind the start token; the
    shifted sequence has as many real tokens as the labels, so one mask serves both.
    """

    def __init__(self, tokenizer: PreTrainedTokenizerBase, max_title_tokens: int) -> None:
        self.tokenizer = tokenizer
        self.max_title_tokens = max_title_tokens

    def __call__(self, titles: list[str]) -> Batch:
        eos = self.tokenizer.eos_token_id
        tokenized = self.tokenizer(
            list(titles),
            add_special_tokens=False,
            truncation=True,
            max_length=self.max_title_tokens - 1,
        )["input_ids"]
        rows = [ids + [eos] for ids in tokenized]
        width = max(len(row) for row in rows)
        labels = torch.full((len(rows), width), IGNORED_LABEL, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for index, row in enumerate(rows):
            labels[index, : len(row)] = torch.tensor(row)
            mask[index, : len(row)] = 1
        return {"labels": labels, "decoder_attention_mask": mask}


class TitleCollator:
    """Images and titles -> pixel values plus the titles' labels."""

    def __init__(
        self,
        image_processor: BaseImageProcessor,
        tokenizer: PreTrainedTokenizerBase,
        max_title_tokens: int,
    ) -> None:
        self.pixels = ViTPixels(image_processor)
        self.labels = TitleLabels(tokenizer, max_title_tokens)

    def __call__(self, images: list[Image], titles: list[str]) -> Batch:
        if len(images) != len(titles):
            raise ValueError(f"got {len(images)} images but {len(titles)} titles")
        return {**self.pixels(images), **self.labels(titles)}
