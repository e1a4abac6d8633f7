"""The ViT-GPT2 architecture at two sizes, built offline with random weights."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import transformers
from transformers import (
    GPT2Config,
    PreTrainedTokenizerBase,
    VisionEncoderDecoderConfig,
    VisionEncoderDecoderModel,
    ViTConfig,
)
from transformers.image_processing_utils import BaseImageProcessor
from transformers.utils import is_torchvision_available

from foodcap.backend import RandomWeights

from .vocabulary import food_title_tokenizer, widen_vocabulary

GPT2_VOCAB_SIZE = 50257
RANDOM_WEIGHTS_SEED = 0
"""Random weights are seeded, so two ``--random-weights`` runs start from the same model."""


@dataclass(frozen=True)
class Shape:
    """The few numbers that set a ViT encoder and a GPT-2 decoder's size."""

    image_size: int
    patch_size: int
    vit_hidden: int
    vit_layers: int
    vit_heads: int
    gpt2_hidden: int
    gpt2_layers: int
    gpt2_heads: int
    gpt2_positions: int


SHAPES: dict[str, Shape] = {
    # Small enough to fine-tune on two CPU cores in a minute, big enough to learn from the image.
    "tiny": Shape(32, 8, 64, 2, 4, 64, 2, 4, 64),
    # ViT-base-patch16-224 and GPT-2 124M: the shapes of nlpconnect/vit-gpt2-image-captioning.
    "full": Shape(224, 16, 768, 12, 12, 768, 12, 12, 1024),
}


def architecture_config(size: RandomWeights, tokenizer: PreTrainedTokenizerBase) -> VisionEncoderDecoderConfig:
    """A VisionEncoderDecoder config: ViT encoder, GPT-2 decoder with cross-attention, the tokenizer's vocabulary."""
    shape = SHAPES[size]
    encoder = ViTConfig(
        image_size=shape.image_size,
        patch_size=shape.patch_size,
        hidden_size=shape.vit_hidden,
        num_hidden_layers=shape.vit_layers,
        num_attention_heads=shape.vit_heads,
        intermediate_size=4 * shape.vit_hidden,
    )
    decoder = GPT2Config(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        n_positions=shape.gpt2_positions,
        n_embd=shape.gpt2_hidden,
        n_layer=shape.gpt2_layers,
        n_head=shape.gpt2_heads,
        add_cross_attention=True,
    )
    # Also marks GPT-2 as a decoder, so its cross-attention layers are built and used.
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    assert isinstance(config, VisionEncoderDecoderConfig)
    return config


def random_tokenizer(size: RandomWeights) -> PreTrainedTokenizerBase:
    """The offline tokenizer for a random model; ``full`` is widened to GPT-2's 50,257 ids."""
    tokenizer = food_title_tokenizer()
    return widen_vocabulary(tokenizer, GPT2_VOCAB_SIZE) if size == "full" else tokenizer


def random_model(size: RandomWeights, tokenizer: PreTrainedTokenizerBase) -> VisionEncoderDecoderModel:
    """A seeded random-weight model whose vocabulary is exactly the tokenizer's."""
    config = architecture_config(size, tokenizer)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(RANDOM_WEIGHTS_SEED)
        return VisionEncoderDecoderModel(config=config)


def random_image_processor(size: RandomWeights) -> BaseImageProcessor:
    """ViT preprocessing as nlpconnect's model uses it: resize to a square, scale to [-1, 1]."""
    side = SHAPES[size].image_size
    # Without torchvision, even importing ViTImageProcessor warns and falls back to PIL; pick PIL ourselves.
    class_name = "ViTImageProcessor" if is_torchvision_available() else "ViTImageProcessorPil"
    processor_class = getattr(transformers, class_name)
    return processor_class(size={"height": side, "width": side}, image_mean=[0.5] * 3, image_std=[0.5] * 3)


def fill_special_token_ids(model: VisionEncoderDecoderModel, tokenizer: PreTrainedTokenizerBase) -> None:
    """Give the model pad, EOS and decoder-start ids, GPT-2 style: pad with EOS, start with BOS.

    Ids the model already sets win (generation config first, then config), so other
    VisionEncoderDecoder models keep theirs. The result goes on both configs: training shifts
    labels with ``config``, generation reads ``generation_config``.
    """
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    fallbacks = {
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "decoder_start_token_id": start,
    }
    for name, fallback in fallbacks.items():
        value = getattr(model.generation_config, name, None)
        if value is None:
            value = getattr(model.config, name, None)
        if value is None:
            value = fallback
        setattr(model.config, name, value)
        setattr(model.generation_config, name, value)
