"""A CLIP model as the CLIP metrics use it: unit-length image and text embeddings, in batches.

The image processor is always transformers' PIL one (``CLIPImageProcessorPil``): the same pixels
with or without torchvision, and the same resizing as the reference implementations (OpenAI's CLIP
transform and transformers 4's slow CLIP processor both resize with PIL's bicubic filter).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from PIL.Image import Image

from .weights import chosen_device, loaded_once, weights_location


class ClipEncoder:
    """Embeds images and texts with one CLIP model; the last images and texts embedded are remembered,
    so clipscore and refclipscore, fed the same batch, run the model once for it."""

    def __init__(self, model: Any, tokenizer: Any, image_processor: Any, device: torch.device) -> None:
        self.model, self.tokenizer, self.image_processor, self.device = model, tokenizer, image_processor, device
        self._last_images: tuple[Sequence[Image], torch.Tensor] | None = None
        # The current batch's captions and references: refclipscore embeds both, clipscore the captions again.
        self._recent_texts: dict[tuple[tuple[str, ...], bool, int], torch.Tensor] = {}

    @classmethod
    def load(cls, model: str, device: str) -> ClipEncoder:
        """The CLIP weights of ``model`` (hub id in the local cache, or folder), loaded once per process and device."""
        where = chosen_device(device)

        def load() -> ClipEncoder:
            from transformers import AutoTokenizer, CLIPModel
            from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

            location = weights_location(model)
            clip = CLIPModel.from_pretrained(location, local_files_only=True, dtype=torch.float32).to(where).eval()
            tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=True)
            image_processor = CLIPImageProcessorPil.from_pretrained(location, local_files_only=True)
            return cls(clip, tokenizer, image_processor, where)

        return loaded_once("CLIP", model, str(where), load)

    @torch.no_grad()
    def image_features(self, images: Sequence[Image], batch_size: int) -> torch.Tensor:
        """One unit vector per image (float32, on the CPU), ``batch_size`` images per forward pass."""
        if self._last_images is not None and self._last_images[0] is images:  # and so the same batch size
            return self._last_images[1]
        chunks = []
        for start in range(0, len(images), batch_size):
            pixels = self.image_processor(images=list(images[start : start + batch_size]), return_tensors="pt")
            chunks.append(_pooled(self.model.get_image_features(pixels["pixel_values"].to(self.device))))
        features = _unit(torch.cat(chunks))
        self._last_images = (images, features)
        return features

    @torch.no_grad()
    def text_features(self, texts: Sequence[str], truncate: bool, batch_size: int) -> torch.Tensor:
        """One unit vector per text (float32, on the CPU).

        ``truncate``: OpenAI's ``clip.tokenize(truncate=True)``, which keeps the end-of-text token within
        the 77 positions; otherwise torchmetrics' way, cutting the padded ids at the model's length.
        """
        key = (tuple(texts), truncate, batch_size)
        if key in self._recent_texts:
            return self._recent_texts[key]
        longest = self.model.config.text_config.max_position_embeddings
        chunks = []
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start : start + batch_size])
            encoded = (
                self.tokenizer(batch, padding=True, truncation=True, max_length=longest, return_tensors="pt")
                if truncate
                else self.tokenizer(batch, padding=True, return_tensors="pt")
            )
            ids, mask = encoded["input_ids"][..., :longest], encoded["attention_mask"][..., :longest]
            chunks.append(_pooled(self.model.get_text_features(ids.to(self.device), mask.to(self.device))))
        features = _unit(torch.cat(chunks))
        if len(self._recent_texts) >= 2:
            self._recent_texts.clear()
        self._recent_texts[key] = features
        return features


def _pooled(output: Any) -> torch.Tensor:
    """transformers 5 returns the projected embedding as ``pooler_output``; 4.x returned the tensor itself."""
    pooled = getattr(output, "pooler_output", None)
    return (pooled if pooled is not None else output).float().cpu()


def _unit(features: torch.Tensor) -> torch.Tensor:
    return features / features.norm(p=2, dim=-1, keepdim=True)
