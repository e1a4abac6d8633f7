"""Qwen2.5-VL with random weights: the real model class, its image processor and chat template.

The processor is foodcap's images-only Qwen2.5-VL processor (see ``foodcap_vlm.processors``), as
for a downloaded checkpoint.
"""

from __future__ import annotations

import torch
from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

from foodcap.backend import RandomWeights, train_offline_tokenizer

from ..processors import QwenImageProcessor
from . import TINY_TEXT, TOKENIZER_TEXTS, require_tiny, seeded_model

# Qwen2.5-VL-Instruct's chat template (images only): a default system turn, <|im_start|> turns.
QWEN_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}"
    "{% endfor %}<|im_end|>\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
_SPECIAL = ("<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>")
# Tiny: 4x4-pixel patches merged 2x2, every image resized to 32x32 pixels: 16 image tokens.
_PATCH, _MERGE, _PIXELS = 4, 2, 32 * 32


def build_processor() -> QwenImageProcessor:
    tokenizer = train_offline_tokenizer(
        TOKENIZER_TEXTS,
        vocab_size=512,
        bos_token=None,
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        extra_special_tokens=_SPECIAL,
    )
    image_processor = Qwen2VLImageProcessorPil(
        min_pixels=_PIXELS,
        max_pixels=_PIXELS,
        patch_size=_PATCH,
        merge_size=_MERGE,
        temporal_patch_size=2,
    )
    return QwenImageProcessor(image_processor=image_processor, tokenizer=tokenizer, chat_template=QWEN_CHAT_TEMPLATE)


def build_random_qwen(
    size: RandomWeights,
    *,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
    attention: str = "sdpa",
    seed: int = 0,
) -> tuple[Qwen2_5_VLForConditionalGeneration, QwenImageProcessor]:
    require_tiny(size, "Qwen2.5-VL")
    processor = build_processor()
    tokenizer = processor.tokenizer
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in _SPECIAL}
    config = Qwen2_5_VLConfig(
        text_config={
            **TINY_TEXT,
            "vocab_size": len(tokenizer),
            # head_dim 16: rotary over 8 frequency pairs, split between time, height and width.
            "rope_parameters": {"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 10_000.0},
            "bos_token_id": None,
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": tokenizer.pad_token_id,
        },
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "patch_size": _PATCH,
            "spatial_merge_size": _MERGE,
            "temporal_patch_size": 2,
            "window_size": 16,
            "out_hidden_size": 64,
            "fullatt_block_indexes": [1],
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    model = seeded_model(
        Qwen2_5_VLForConditionalGeneration, config, device=device, dtype=dtype, attention=attention, seed=seed
    )
    return model.eval(), processor
