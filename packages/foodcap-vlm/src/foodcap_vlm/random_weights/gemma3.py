"""Gemma 3 with random weights, built offline: the architecture plus a processor made locally.

``tiny`` is for tests and CPU smoke runs; ``full`` is the real 12B text stack and SigLIP-So400m
vision tower, so a GPU benchmark does the real work per image without downloading gated weights.
Only the tokenizer is small in both: random weights make the words meaningless anyway.
"""

from __future__ import annotations

import torch
from transformers import (
    Gemma3Config,
    Gemma3ForConditionalGeneration,
    Gemma3Processor,
    Gemma3TextConfig,
    PreTrainedTokenizerFast,
    SiglipVisionConfig,
)
from transformers.models.gemma3.image_processing_pil_gemma3 import Gemma3ImageProcessorPil

from foodcap.backend import RandomWeights, train_offline_tokenizer

from . import TOKENIZER_TEXTS, seeded, wake_projection

# Gemma 3's chat template, as google/gemma-3-*-it ship it (images become <start_of_image>).
GEMMA3_CHAT_TEMPLATE = (
    "{{ bos_token }}\n"
    "{%- if messages[0]['role'] == 'system' -%}\n"
    "    {%- if messages[0]['content'] is string -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}\n"
    "    {%- else -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}\n"
    "    {%- endif -%}\n"
    "    {%- set loop_messages = messages[1:] -%}\n"
    "{%- else -%}\n"
    '    {%- set first_user_prefix = "" -%}\n'
    "    {%- set loop_messages = messages -%}\n"
    "{%- endif -%}\n"
    "{%- for message in loop_messages -%}\n"
    "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}\n"
    '        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}\n'
    "    {%- endif -%}\n"
    "    {%- if (message['role'] == 'assistant') -%}\n"
    '        {%- set role = "model" -%}\n'
    "    {%- else -%}\n"
    "        {%- set role = message['role'] -%}\n"
    "    {%- endif -%}\n"
    "    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else \"\") }}\n"
    "    {%- if message['content'] is string -%}\n"
    "        {{ message['content'] | trim }}\n"
    "    {%- elif message['content'] is iterable -%}\n"
    "        {%- for item in message['content'] -%}\n"
    "            {%- if item['type'] == 'image' -%}\n"
    "                {{ '<start_of_image>' }}\n"
    "            {%- elif item['type'] == 'text' -%}\n"
    "                {{ item['text'] | trim }}\n"
    "            {%- endif -%}\n"
    "        {%- endfor -%}\n"
    "    {%- else -%}\n"
    '        {{ raise_exception("Invalid content type") }}\n'
    "    {%- endif -%}\n"
    "    {{ '<end_of_turn>\n' }}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "    {{'<start_of_turn>model\n'}}\n"
    "{%- endif -%}\n"
)

END_OF_TURN = "<end_of_turn>"
# Named the way Gemma3Processor looks them up on the tokenizer.
_IMAGE_TOKENS = {"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>", "image_token": "<image_soft_token>"}
_TURN_TOKENS = ("<start_of_turn>", END_OF_TURN)

# Pixels per image side and image tokens per image. The real checkpoints: 896x896 pixels in 14x14
# patches (64x64), pooled 4x4 to 256 tokens. Tiny: 32x32 pixels in 4x4 patches (8x8), pooled 2x2 to 16.
_IMAGE_SIZE = {"full": 896, "tiny": 32}
_IMAGE_TOKENS_PER_IMAGE = {"full": 256, "tiny": 16}


def build_processor(size: RandomWeights) -> Gemma3Processor:
    """A Gemma3Processor made offline: a small BPE tokenizer, Gemma's chat template and image geometry."""
    trained = train_offline_tokenizer(
        TOKENIZER_TEXTS,
        vocab_size=512,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        extra_special_tokens=[*_TURN_TOKENS, *_IMAGE_TOKENS.values()],
    )
    # Re-wrapped to name the image tokens; Gemma3Processor reads tokenizer.boi_token and friends.
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=trained.backend_tokenizer,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        extra_special_tokens=_IMAGE_TOKENS,
        padding_side="left",
    )
    image_processor = Gemma3ImageProcessorPil(
        size={"height": _IMAGE_SIZE[size], "width": _IMAGE_SIZE[size]},
        image_mean=[0.5, 0.5, 0.5],
        image_std=[0.5, 0.5, 0.5],
        do_pan_and_scan=False,
    )
    return Gemma3Processor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        chat_template=GEMMA3_CHAT_TEMPLATE,
        image_seq_length=_IMAGE_TOKENS_PER_IMAGE[size],
    )


def build_config(size: RandomWeights, processor: Gemma3Processor) -> Gemma3Config:
    """The architecture, with special-token ids taken from ``processor``'s tokenizer."""
    tokenizer = processor.tokenizer
    pad, bos = tokenizer.pad_token_id, tokenizer.bos_token_id
    eos = [tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids(END_OF_TURN)]
    if size == "full":  # google/gemma-3-12b-it with SigLIP-So400m
        text = Gemma3TextConfig(
            vocab_size=262_208,
            hidden_size=3840,
            intermediate_size=15_360,
            num_hidden_layers=48,
            num_attention_heads=16,
            num_key_value_heads=8,
            head_dim=256,
            query_pre_attn_scalar=256,
            sliding_window=1024,
            max_position_embeddings=131_072,
            rope_parameters={
                "full_attention": {"rope_type": "linear", "factor": 8.0, "rope_theta": 1_000_000.0},
                "sliding_attention": {"rope_type": "default", "rope_theta": 10_000.0},
            },
            pad_token_id=pad,
            bos_token_id=bos,
            eos_token_id=eos,
        )
        vision = SiglipVisionConfig(
            hidden_size=1152,
            intermediate_size=4304,
            num_hidden_layers=27,
            num_attention_heads=16,
            image_size=_IMAGE_SIZE[size],
            patch_size=14,
            layer_norm_eps=1e-6,
            vision_use_head=False,
        )
    else:
        # The sliding window is shorter than a prompt, so tests cover both of Gemma's attention kinds.
        text = Gemma3TextConfig(
            vocab_size=len(tokenizer),
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=16,
            query_pre_attn_scalar=16,
            sliding_window=24,
            max_position_embeddings=512,
            layer_types=["sliding_attention", "full_attention"],
            pad_token_id=pad,
            bos_token_id=bos,
            eos_token_id=eos,
        )
        vision = SiglipVisionConfig(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            image_size=_IMAGE_SIZE[size],
            patch_size=4,
            layer_norm_eps=1e-6,
            vision_use_head=False,
        )
    return Gemma3Config(
        text_config=text,
        vision_config=vision,
        mm_tokens_per_image=processor.image_seq_length,
        boi_token_index=tokenizer.boi_token_id,
        eoi_token_index=tokenizer.eoi_token_id,
        image_token_index=tokenizer.image_token_id,
    )


def build_random_gemma(
    size: RandomWeights,
    *,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
    attention: str = "sdpa",
    seed: int = 0,
) -> tuple[Gemma3ForConditionalGeneration, Gemma3Processor]:
    """A random-weight Gemma 3 and its processor; the same ``seed`` gives the same weights."""
    processor = build_processor(size)
    config = build_config(size, processor)

    def build() -> Gemma3ForConditionalGeneration:
        model = Gemma3ForConditionalGeneration._from_config(config, dtype=dtype, attn_implementation=attention)
        wake_projection(model.model.multi_modal_projector.mm_input_projection_weight, config.initializer_range)
        return model

    model = seeded(build, device, seed)
    return model.eval(), processor
