"""Turning images and titles into cnn-rnn batches. Everything here pickles: it runs in DataLoader workers."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from PIL.Image import Image
from transformers.image_processing_utils import BaseImageProcessor

from foodcap import Batch

from .network import IGNORED_LABEL
from .vocabulary import BOS_ID, EOS_ID, PAD_ID, TitleVocabulary


@dataclass
class PixelBatch:
    """Images -> ``{"pixel_values"}`` through the encoder's image processor."""

    image_processor: BaseImageProcessor

    def __call__(self, images: list[Image]) -> Batch:
        rgb = [image if image.mode == "RGB" else image.convert("RGB") for image in images]
        return {"pixel_values": self.image_processor(images=rgb, return_tensors="pt")["pixel_values"]}


@dataclass
class TitleIds:
    """Titles -> ``input_ids`` (``<bos>`` + title, padded) and ``labels`` (title + ``<eos>``, -100 after).

    Titles longer than ``max_title_tokens`` are cut there and still end with ``<eos>``.
    """

    vocabulary: TitleVocabulary
    max_title_tokens: int

    def __call__(self, titles: list[str]) -> Batch:
        rows = [self.vocabulary.encode(title)[: self.max_title_tokens] for title in titles]
        width = max(len(row) for row in rows) + 1
        input_ids = torch.full((len(rows), width), PAD_ID, dtype=torch.long)
        labels = torch.full((len(rows), width), IGNORED_LABEL, dtype=torch.long)
        for index, row in enumerate(rows):
            input_ids[index, : len(row) + 1] = torch.tensor([BOS_ID, *row])
            labels[index, : len(row) + 1] = torch.tensor([*row, EOS_ID])
        return {"input_ids": input_ids, "labels": labels}


@dataclass
class TitleCollator:
    """Images and titles -> pixel values plus the titles' ids and labels."""

    pixels: PixelBatch
    text: TitleIds

    def __call__(self, images: list[Image], titles: list[str]) -> Batch:
        if len(images) != len(titles):
            raise ValueError(f"got {len(images)} images but {len(titles)} titles")
        return {**self.pixels(images), **self.text(titles)}
