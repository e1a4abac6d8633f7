"""The architecture: ViT features, projected into the language model's embedding space as a prefix.

Llama has no cross-attention, so an image can only reach it as input embeddings. Each caption is
``[BOS][visual prefix][prompt][title][EOS]``: the projector turns ViT tokens into "soft words"
that the (LoRA-adapted) language model attends to like any other token (ClipCap / LLaVA).
"""

from __future__ import annotations

import math
from typing import Any, cast

import torch
import torch.nn.functional as F
from peft import PeftModel
from torch import nn
from transformers import GenerationConfig, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutputWithPast

IGNORE_INDEX = -100
"""Label value that cross-entropy skips: the prefix, the prompt and padding."""


class PatchPooling(nn.Module):
    """Average-pool the ViT patch grid to ``side x side`` tokens (dropping CLS); None keeps all tokens."""

    def __init__(self, prefix_tokens: int | None) -> None:
        super().__init__()
        self.side = math.isqrt(prefix_tokens) if prefix_tokens else None

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        if self.side is None:
            return tokens
        patches = tokens[:, 1:]  # ViT puts CLS first
        grid = math.isqrt(patches.shape[1])
        if grid * grid != patches.shape[1]:
            raise ValueError(f"cannot pool {patches.shape[1]} patches: not a square grid")
        batch, _, width = patches.shape
        image = patches.transpose(1, 2).reshape(batch, width, grid, grid)
        pooled = F.adaptive_avg_pool2d(image, self.side)
        return pooled.flatten(2).transpose(1, 2)

    def output_tokens(self, vision_tokens: int) -> int:
        return vision_tokens if self.side is None else self.side * self.side


class VisualProjector(nn.Module):
    """Two-layer MLP with GELU from ViT width to the language model's embedding width (LLaVA-1.5)."""

    def __init__(self, vision_width: int, text_width: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(vision_width, text_width), nn.GELU(), nn.Linear(text_width, text_width))

    @property
    def dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.layers(features)  # type: ignore[no-any-return]


class VisualPrefixLM(nn.Module):
    """ViT encoder + pooling + projector + causal LM; ``forward(**batch).loss`` is the training loss.

    Batches carry either ``pixel_values`` or ``vision_features`` (pooled ViT output, for training
    with a cached frozen encoder), plus the text half: ``input_ids`` (prompt, title, EOS, right
    padding), ``attention_mask`` and ``labels`` (-100 except on title and EOS).
    """

    def __init__(
        self,
        vision: PreTrainedModel,
        pooling: PatchPooling,
        projector: VisualProjector,
        language_model: PeftModel,
        bos_token_id: int | None,
    ) -> None:
        super().__init__()
        self.vision = vision
        self.pooling = pooling
        self.projector = projector
        self.language_model = language_model
        self.bos_token_id = bos_token_id

    def encode_images(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Pooled ViT tokens (a frozen ViT records no autograd graph: nothing in it needs gradients)."""
        vision_dtype = next(self.vision.parameters()).dtype
        tokens = self.vision(pixel_values=pixel_values.to(vision_dtype)).last_hidden_state
        return self.pooling(tokens)

    def _embed(
        self, vision_features: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``[BOS][prefix][text]`` embeddings and their attention mask."""
        embedding = cast(nn.Embedding, self.language_model.get_input_embeddings())
        prefix = self.projector(vision_features.to(self.projector.dtype)).to(embedding.weight.dtype)
        parts = [prefix, embedding(input_ids)]
        if self.bos_token_id is not None:
            bos = torch.full((input_ids.shape[0], 1), self.bos_token_id, device=input_ids.device)
            parts.insert(0, embedding(bos))
        embeds = torch.cat(parts, dim=1)
        prefix_length = embeds.shape[1] - input_ids.shape[1]
        ones = attention_mask.new_ones(attention_mask.shape[0], prefix_length)
        return embeds, torch.cat([ones, attention_mask], dim=1)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        labels: torch.Tensor | None = None,
        pixel_values: torch.Tensor | None = None,
        vision_features: torch.Tensor | None = None,
    ) -> CausalLMOutputWithPast:
        """Logits at the last prefix position and every text position; the mean loss over title + EOS.

        Only those ``T + 1`` logits are computed: with a 128k vocabulary, projecting the ~200
        prefix positions too would cost more memory than the rest of the step.
        """
        features = self._features(pixel_values, vision_features)
        embeds, mask = self._embed(features, input_ids, attention_mask)
        text_length = input_ids.shape[1]
        output = self.language_model(
            inputs_embeds=embeds, attention_mask=mask, logits_to_keep=text_length + 1, use_cache=False
        )
        logits = output.logits
        loss = None
        if labels is not None:
            # logits[:, i] predicts text token i (position 0 is the last prefix token).
            loss = F.cross_entropy(
                logits[:, :-1].float().reshape(-1, logits.shape[-1]),
                labels.reshape(-1),
                ignore_index=IGNORE_INDEX,
            )
        return CausalLMOutputWithPast(loss=loss, logits=logits)

    def _features(self, pixel_values: torch.Tensor | None, vision_features: torch.Tensor | None) -> torch.Tensor:
        if vision_features is not None:
            return vision_features
        if pixel_values is None:
            raise ValueError("a batch needs pixel_values or vision_features")
        return self.encode_images(pixel_values)

    @torch.no_grad()
    def generate_ids(
        self,
        pixel_values: torch.Tensor,
        prompt_ids: torch.Tensor,
        generation: GenerationConfig,
    ) -> torch.Tensor:
        """New token ids after ``[BOS][prefix][prompt]`` for each image.

        Every row is the same length (one prompt for all images), so the batch needs no padding
        and a batch decodes exactly like its images one at a time; the attention mask still goes
        in, so generate derives position ids from it.
        """
        features = self.encode_images(pixel_values)
        ids = prompt_ids.to(features.device).expand(features.shape[0], -1)
        embeds, mask = self._embed(features, ids, torch.ones_like(ids))
        generated = self.language_model.generate(
            inputs_embeds=embeds, attention_mask=mask, generation_config=generation
        )
        return cast(torch.Tensor, generated)

    def enable_gradient_checkpointing(self) -> None:
        """Non-reentrant checkpointing on both transformers (the ViT's only matters if it trains)."""
        kwargs: dict[str, Any] = {"use_reentrant": False}
        for module in (self.language_model, self.vision):
            enable = getattr(module, "activation_checkpointing_enable", None)  # newer name, transformers 5.x
            if enable is not None:
                enable(activation_checkpointing_kwargs=kwargs)
            else:
                module.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
