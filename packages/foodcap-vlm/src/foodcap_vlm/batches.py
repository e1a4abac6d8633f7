"""Images (and titles) to model inputs, for captioning and for training. Everything here pickles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
from PIL.Image import Image
from torch import nn

from foodcap import Batch

from .families import Family
from .prompting import Prompt

IGNORE_INDEX = -100
"""Label value that cross-entropy skips: the prompt, the images and padding."""


def encode_prompts(
    processor: Any,
    family: Family,
    texts: Sequence[str],
    images: Sequence[list[Image]],
    padding_side: Literal["left", "right"],
) -> Batch:
    """Rendered prompts and their images as model inputs, padded on ``padding_side``."""
    arguments: dict[str, Any] = {"padding": True, "padding_side": padding_side, "return_tensors": "pt"}
    if family.chat_template:
        # The chat template already starts with the BOS the model expects; no second one.
        arguments["add_special_tokens"] = False
    else:
        # Image tokens first, as PaliGemma's processor wants them written.
        texts = [processor.image_token * len(row) + text for text, row in zip(texts, images)]
    encoded = processor(text=list(texts), images=list(images), **arguments)
    # PaliGemma's processor adds labels of its own; the training collator makes the real ones.
    return {key: value for key, value in encoded.items() if isinstance(value, torch.Tensor) and key != "labels"}


def on_device(batch: Batch, vision_tower: nn.Module, device: torch.device) -> Batch:
    """Inputs on ``device``, pixels in the vision tower's dtype (it stays unquantized under 4/8-bit loading)."""
    pixel_dtype = next(vision_tower.parameters()).dtype
    return {
        key: value.to(device, pixel_dtype if value.is_floating_point() else value.dtype) for key, value in batch.items()
    }


@dataclass
class PromptEncoder:
    """The processor, the family and the rendered prompt: what both batch builders share."""

    processor: Any
    family: Family
    prompt: Prompt

    def encode(
        self, texts: Sequence[str], images: Sequence[list[Image]], padding_side: Literal["left", "right"]
    ) -> Batch:
        return encode_prompts(self.processor, self.family, texts, images, padding_side)


@dataclass
class CaptionBatch:
    """The captioner's ImagePreprocessor: every image with the same prompt, left padded.

    Left padding keeps every prompt's last token in the last column, where generation continues;
    right padding would make shorter prompts continue after pad tokens.
    """

    encoder: PromptEncoder

    @property
    def text(self) -> str:
        return self.encoder.prompt.text

    def __call__(self, images: list[Image]) -> Batch:
        return self.encode([self.encoder.prompt] * len(images), images)

    def encode(self, prompts: Sequence[Prompt], images: Sequence[Image]) -> Batch:
        """Each image with its own prompt: rows of different lengths (other examples, another
        question, Qwen2.5-VL's photo-sized image tokens) are left padded to the longest."""
        rows = [prompt.images_for(image) for prompt, image in zip(prompts, images)]
        return self.encoder.encode([prompt.text for prompt in prompts], rows, "left")


@dataclass
class TitleCollator:
    """The captioner's TrainingCollator: prompt, then title and end-of-answer, the only labelled tokens.

    Prompt and title are tokenized separately so the boundary between unlabelled and labelled tokens
    is exact. Rows are right padded: positions then count from 0 in every row, as in generation.
    """

    encoder: PromptEncoder
    max_title_tokens: int

    def __call__(self, images: list[Image], titles: list[str]) -> Batch:
        tokenizer = self.encoder.processor.tokenizer
        family = self.encoder.family
        end = tokenizer.convert_tokens_to_ids(family.end_of_answer)
        answers = [
            ids[: self.max_title_tokens] + [end]
            for ids in tokenizer([family.answer_prefix + title for title in titles], add_special_tokens=False)[
                "input_ids"
            ]
        ]
        prompts = [
            self.encoder.encode([self.encoder.prompt.text], [self.encoder.prompt.images_for(image)], "right")
            for image in images
        ]
        length = max(int(p["input_ids"].shape[1]) + len(a) for p, a in zip(prompts, answers))
        per_token = [key for key, value in prompts[0].items() if value.shape == prompts[0]["input_ids"].shape]
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else end
        batch = {key: torch.zeros(len(images), length, dtype=prompts[0][key].dtype) for key in per_token}
        batch["input_ids"].fill_(pad)
        batch["labels"] = torch.full((len(images), length), IGNORE_INDEX, dtype=torch.long)
        answer_fill = {"attention_mask": 1, "token_type_ids": family.answer_token_type}
        for row, (prompt, answer) in enumerate(zip(prompts, answers)):
            start = int(prompt["input_ids"].shape[1])
            stop = start + len(answer)
            for key in per_token:
                batch[key][row, :start] = prompt[key][0]
                batch[key][row, start:stop] = answer_fill.get(key, 0)
            batch["input_ids"][row, start:stop] = torch.tensor(answer)
            batch["labels"][row, start:stop] = torch.tensor(answer)
        for key in prompts[0].keys() - set(per_token):  # pixels and image grids: one entry per image
            batch[key] = torch.cat([prompt[key] for prompt in prompts])
        return batch
