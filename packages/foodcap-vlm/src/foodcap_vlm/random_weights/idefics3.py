"""SmolVLM (Idefics3 architecture: SigLIP, pixel-shuffle connector, Llama) with random weights."""

from __future__ import annotations

import torch
from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3Processor
from transformers.models.idefics3.image_processing_pil_idefics3 import Idefics3ImageProcessorPil

from foodcap.backend import RandomWeights, train_offline_tokenizer

from . import TINY_TEXT, TOKENIZER_TEXTS, require_tiny, seeded_model

# HuggingFaceTB/SmolVLM-*-Instruct's chat template: "User:<image>question<end_of_utterance>\nAssistant:".
SMOLVLM_CHAT_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{ message['role'] | capitalize }}"
    "{% if message['content'][0]['type'] == 'image' %}{{ ':' }}{% else %}{{ ': ' }}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{ line['text'] }}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n"
    "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)
_SPECIAL = ("<|im_start|>", "<end_of_utterance>", "<fake_token_around_image>", "<image>", "<global-img>")
# Tiny: 32x32-pixel images in 4x4 patches (8x8), pixel-shuffled by 2 into 16 tokens of 4x the width.
_IMAGE_SIZE, _PATCH, _SCALE = 32, 4, 2


def build_processor() -> Idefics3Processor:
    tokenizer = train_offline_tokenizer(
        TOKENIZER_TEXTS,
        vocab_size=512,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|im_end|>",
        extra_special_tokens=_SPECIAL,
    )
    image_processor = Idefics3ImageProcessorPil(
        size={"longest_edge": _IMAGE_SIZE},
        max_image_size={"longest_edge": _IMAGE_SIZE},
        do_image_splitting=False,
        image_mean=[0.5, 0.5, 0.5],
        image_std=[0.5, 0.5, 0.5],
    )
    tokens = (_IMAGE_SIZE // _PATCH) ** 2 // _SCALE**2
    return Idefics3Processor(
        image_processor=image_processor, tokenizer=tokenizer, image_seq_len=tokens, chat_template=SMOLVLM_CHAT_TEMPLATE
    )


def build_random_smolvlm(
    size: RandomWeights,
    *,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
    attention: str = "sdpa",
    seed: int = 0,
) -> tuple[Idefics3ForConditionalGeneration, Idefics3Processor]:
    require_tiny(size, "SmolVLM")
    processor = build_processor()
    tokenizer = processor.tokenizer
    config = Idefics3Config(
        text_config={
            **TINY_TEXT,
            "model_type": "llama",
            "vocab_size": len(tokenizer),
            "pad_token_id": tokenizer.pad_token_id,
            # Livelier logits than the default 0.02, so the image visibly changes the answer.
            "initializer_range": 0.1,
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.convert_tokens_to_ids("<end_of_utterance>"),
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "image_size": _IMAGE_SIZE,
            "patch_size": _PATCH,
        },
        scale_factor=_SCALE,
        image_token_id=processor.image_token_id,
    )
    model = seeded_model(
        Idefics3ForConditionalGeneration, config, device=device, dtype=dtype, attention=attention, seed=seed
    )
    return model.eval(), processor
