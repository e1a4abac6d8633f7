"""PaliGemma 2 (SigLIP + Gemma 2, prefix-LM, no chat template) with random weights."""

from __future__ import annotations

import torch
from transformers import PaliGemmaConfig, PaliGemmaForConditionalGeneration, PaliGemmaProcessor
from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

from foodcap.backend import RandomWeights, train_offline_tokenizer

from . import TINY_TEXT, TOKENIZER_TEXTS, require_tiny, seeded_model

# Tiny: 32x32-pixel images in 4x4 patches: 64 image tokens (the real 224-px checkpoints: 256).
_IMAGE_SIZE, _PATCH = 32, 4


def build_processor() -> PaliGemmaProcessor:
    tokenizer = train_offline_tokenizer(
        TOKENIZER_TEXTS,
        vocab_size=512,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        extra_special_tokens=["<image>"],
    )
    image_processor = SiglipImageProcessorPil(
        size={"height": _IMAGE_SIZE, "width": _IMAGE_SIZE},
        image_mean=[0.5, 0.5, 0.5],
        image_std=[0.5, 0.5, 0.5],
    )
    # PaliGemmaProcessor reads the image-token count from its image processor.
    setattr(image_processor, "image_seq_length", (_IMAGE_SIZE // _PATCH) ** 2)  # noqa: B010
    return PaliGemmaProcessor(image_processor=image_processor, tokenizer=tokenizer)


def build_random_paligemma(
    size: RandomWeights,
    *,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
    attention: str = "eager",
    seed: int = 0,
) -> tuple[PaliGemmaForConditionalGeneration, PaliGemmaProcessor]:
    require_tiny(size, "PaliGemma 2")
    processor = build_processor()
    tokenizer = processor.tokenizer
    config = PaliGemmaConfig(
        text_config={
            **TINY_TEXT,
            "model_type": "gemma2",
            "vocab_size": len(tokenizer),
            "head_dim": 16,
            "query_pre_attn_scalar": 16,
            "sliding_window": 32,
            "pad_token_id": tokenizer.pad_token_id,
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.eos_token_id,
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "image_size": _IMAGE_SIZE,
            "patch_size": _PATCH,
            "projection_dim": 64,
        },
        projection_dim=64,
        image_token_index=processor.image_token_id,
    )
    model = seeded_model(
        PaliGemmaForConditionalGeneration, config, device=device, dtype=dtype, attention=attention, seed=seed
    )
    return model.eval(), processor
