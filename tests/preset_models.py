"""Tiny random models built from a preset's facts (tests/preset_facts/*.json), saved like the hub repository.

The tokenizer puts every special token at its real id (the vocabulary is the real size, filled with
tokens nothing encodes to), the configs carry the real ids and image geometry with tiny widths, the
processor has the real chat format, and generation_config.json is the hub's, decoding settings included.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    Gemma3Config,
    Gemma3ForConditionalGeneration,
    Gemma3Processor,
    Gemma3TextConfig,
    GenerationConfig,
    GPT2Config,
    Idefics3Config,
    Idefics3ForConditionalGeneration,
    Idefics3Processor,
    LlamaConfig,
    LlamaForCausalLM,
    PaliGemmaConfig,
    PaliGemmaForConditionalGeneration,
    PaliGemmaProcessor,
    PreTrainedTokenizerFast,
    Qwen2_5_VLConfig,
    Qwen2_5_VLForConditionalGeneration,
    VisionEncoderDecoderConfig,
    VisionEncoderDecoderModel,
    ViTConfig,
    ViTImageProcessorPil,
    ViTModel,
)
from transformers.models.gemma3.image_processing_pil_gemma3 import Gemma3ImageProcessorPil
from transformers.models.idefics3.image_processing_pil_idefics3 import Idefics3ImageProcessorPil
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

from foodcap.dataset import sample_titles
from foodcap_vlm.random_weights.gemma3 import GEMMA3_CHAT_TEMPLATE
from foodcap_vlm.random_weights.idefics3 import SMOLVLM_CHAT_TEMPLATE
from foodcap_vlm.random_weights.qwen2_5_vl import QWEN_CHAT_TEMPLATE

FACTS = Path(__file__).with_name("preset_facts")
TINY_TEXT: dict[str, Any] = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 1,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 2048,
}
TINY_VISION: dict[str, Any] = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
}


def preset_facts() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(FACTS.glob("*.json"))}


def fact(preset: dict[str, Any], name: str) -> Any:
    return preset["facts"][name]["value"]


def tokenizer_with_ids(special: dict[str, int], vocab_size: int, **roles: str | None) -> PreTrainedTokenizerFast:
    """A byte-level BPE learned from dish titles whose special tokens sit at ``special``'s ids and whose
    vocabulary has exactly ``vocab_size`` ids (``roles``: bos_token, eos_token, pad_token, unk_token...)."""
    trained = Tokenizer(models.BPE())
    trained.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    trained.train_from_iterator(["What dish is shown in this photo? Name the dish.", *sample_titles()], trainer=trainer)
    state = json.loads(trained.to_str())
    taken = set(special.values())
    free = (i for i in range(vocab_size) if i not in taken)
    learned = sorted(state["model"]["vocab"].items(), key=lambda item: item[1])
    vocab = {token: next(free) for token, _ in learned}
    # Fill every other id with byte-level strings nothing encodes to (no merge makes them), so any id
    # a random model generates still decodes.
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    fillers = ("".join(chars) for chars in itertools.product(alphabet, repeat=3))
    for index in free:
        token = next(filler for filler in fillers if filler not in vocab)
        vocab[token] = index
    # Special tokens are in the model's vocabulary at their ids too: an added token that is not gets a new id.
    state["model"]["vocab"] = {**vocab, **special}
    state["added_tokens"] = [
        {
            "id": index,
            "content": token,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for token, index in special.items()
    ]
    backend = Tokenizer.from_str(json.dumps(state))
    backend.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=backend, **{k: v for k, v in roles.items() if v is not None})


def _named(special: dict[str, int], token_id: int | None) -> str | None:
    return next((token for token, index in special.items() if index == token_id), None)


def _hub_generation(preset: dict[str, Any], folder: Path) -> None:
    """generation_config.json as the hub has it: the real ids and the repository's decoding settings."""
    ids = {"bos_token_id": fact(preset, "bos_token_id"), "pad_token_id": fact(preset, "pad_token_id")}
    eos = fact(preset, "eos_token_ids")
    config = GenerationConfig(
        **{k: v for k, v in ids.items() if v is not None},
        eos_token_id=eos if len(eos) > 1 else eos[0],
        **preset["facts"].get("hub_generation_config", {"value": {}})["value"],
    )
    config.save_pretrained(folder)


def build_vlm_folder(preset: dict[str, Any], folder: Path) -> Path:
    """The preset's family with tiny widths and the real ids, geometry and chat format."""
    special = fact(preset, "special_tokens")
    roles = {
        "bos_token": _named(special, fact(preset, "bos_token_id")),
        "eos_token": _named(special, fact(preset, "eos_token_ids")[0]),
        "pad_token": _named(special, fact(preset, "pad_token_id")),
        "unk_token": "<unk>" if "<unk>" in special else None,
    }
    tokenizer = tokenizer_with_ids(special, fact(preset, "vocab_size"), **roles)
    builder = {"qwen2_5_vl": _qwen, "gemma3": _gemma3, "paligemma": _paligemma, "idefics3": _idefics3}[preset["family"]]
    torch.manual_seed(0)
    builder(preset, tokenizer, folder)
    _hub_generation(preset, folder)
    return folder


def _qwen(preset: dict[str, Any], tokenizer: PreTrainedTokenizerFast, folder: Path) -> None:
    special, geometry = fact(preset, "special_tokens"), fact(preset, "image_geometry")
    config = Qwen2_5_VLConfig(
        text_config={
            **TINY_TEXT,
            "vocab_size": fact(preset, "vocab_size"),
            "rope_parameters": {"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 10_000.0},
        },
        vision_config={
            "depth": 1,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "out_hidden_size": 64,
            "patch_size": geometry["patch_size"],
            "spatial_merge_size": geometry["merge_size"],
            "temporal_patch_size": geometry["temporal_patch_size"],
            "window_size": 112,
            "fullatt_block_indexes": [0],
        },
        image_token_id=special["<|image_pad|>"],
        video_token_id=special["<|video_pad|>"],
        vision_start_token_id=special["<|vision_start|>"],
        vision_end_token_id=special["<|vision_end|>"],
    )
    Qwen2_5_VLForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    # The repository's layout: preprocessor_config.json naming Qwen2_5_VLProcessor, and chat_template.json.
    Qwen2VLImageProcessorPil(
        min_pixels=geometry["min_pixels"],
        max_pixels=geometry["max_pixels"],
        patch_size=geometry["patch_size"],
        merge_size=geometry["merge_size"],
        temporal_patch_size=geometry["temporal_patch_size"],
    ).save_pretrained(folder)
    saved = json.loads((folder / "preprocessor_config.json").read_text())
    saved.update(
        {
            "processor_class": "Qwen2_5_VLProcessor",
            "min_pixels": geometry["min_pixels"],
            "max_pixels": geometry["max_pixels"],
        }
    )
    (folder / "preprocessor_config.json").write_text(json.dumps(saved))
    (folder / "chat_template.json").write_text(json.dumps({"chat_template": QWEN_CHAT_TEMPLATE}))


def _gemma3(preset: dict[str, Any], tokenizer: PreTrainedTokenizerFast, folder: Path) -> None:
    special, geometry = fact(preset, "special_tokens"), fact(preset, "image_geometry")
    image_tokens = {"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>", "image_token": "<image_soft_token>"}
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer.backend_tokenizer,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        extra_special_tokens=image_tokens,
    )
    processor = Gemma3Processor(
        image_processor=Gemma3ImageProcessorPil(
            size={"height": geometry["image_size"], "width": geometry["image_size"]},
            image_mean=[0.5] * 3,
            image_std=[0.5] * 3,
        ),
        tokenizer=tokenizer,
        chat_template=GEMMA3_CHAT_TEMPLATE,
        image_seq_length=fact(preset, "tokens_per_image"),
    )
    text = Gemma3TextConfig(
        **TINY_TEXT,
        head_dim=16,
        query_pre_attn_scalar=16,
        sliding_window=64,
        layer_types=["full_attention"],
        vocab_size=fact(preset, "vocab_size"),
    )
    config = Gemma3Config(
        text_config=text,
        vision_config={
            **TINY_VISION,
            "image_size": geometry["image_size"],
            "patch_size": geometry["patch_size"],
            "vision_use_head": False,
        },
        mm_tokens_per_image=fact(preset, "tokens_per_image"),
        boi_token_index=special["<start_of_image>"],
        eoi_token_index=special["<end_of_image>"],
        image_token_index=special["<image_soft_token>"],
    )
    model = Gemma3ForConditionalGeneration(config)
    torch.nn.init.normal_(model.model.multi_modal_projector.mm_input_projection_weight, std=0.02)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)


def _paligemma(preset: dict[str, Any], tokenizer: PreTrainedTokenizerFast, folder: Path) -> None:
    special, geometry = fact(preset, "special_tokens"), fact(preset, "image_geometry")
    image_processor = SiglipImageProcessorPil(
        size={"height": geometry["image_size"], "width": geometry["image_size"]},
        image_mean=[0.5] * 3,
        image_std=[0.5] * 3,
    )
    setattr(image_processor, "image_seq_length", fact(preset, "tokens_per_image"))  # noqa: B010
    PaliGemmaProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(folder)
    config = PaliGemmaConfig(
        text_config={
            **TINY_TEXT,
            "model_type": "gemma2",
            "vocab_size": fact(preset, "vocab_size"),
            "head_dim": 16,
            "query_pre_attn_scalar": 16,
            "sliding_window": 64,
        },
        vision_config={
            **TINY_VISION,
            "image_size": geometry["image_size"],
            "patch_size": geometry["patch_size"],
            "projection_dim": 64,
        },
        projection_dim=64,
        image_token_index=special["<image>"],
    )
    PaliGemmaForConditionalGeneration(config).save_pretrained(folder)


def _idefics3(preset: dict[str, Any], tokenizer: PreTrainedTokenizerFast, folder: Path) -> None:
    special, geometry = fact(preset, "special_tokens"), fact(preset, "image_geometry")
    side = geometry["image_size"]
    # The repositories split photos into tiles by default; foodcap turns that off at load.
    image_processor = Idefics3ImageProcessorPil(
        size={"longest_edge": 4 * side},
        max_image_size={"longest_edge": side},
        do_image_splitting=True,
        image_mean=[0.5] * 3,
        image_std=[0.5] * 3,
    )
    Idefics3Processor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        image_seq_len=fact(preset, "tokens_per_image"),
        chat_template=SMOLVLM_CHAT_TEMPLATE,
    ).save_pretrained(folder)
    config = Idefics3Config(
        text_config={**TINY_TEXT, "model_type": "llama", "vocab_size": fact(preset, "vocab_size")},
        vision_config={**TINY_VISION, "image_size": side, "patch_size": geometry["patch_size"]},
        scale_factor=geometry["scale_factor"],
        image_token_id=special["<image>"],
    )
    Idefics3ForConditionalGeneration(config).save_pretrained(folder)


def build_vit_gpt2_folder(preset: dict[str, Any], folder: Path) -> Path:
    """ViT + GPT-2 with GPT-2's vocabulary and ids, saved as the repository is: pytorch_model.bin only."""
    special, geometry = fact(preset, "special_tokens"), fact(preset, "image_geometry")
    tokenizer = tokenizer_with_ids(
        special, fact(preset, "vocab_size"), bos_token="<|endoftext|>", eos_token="<|endoftext|>"
    )
    encoder = ViTConfig(**TINY_VISION, image_size=geometry["image_size"], patch_size=geometry["patch_size"])
    decoder = GPT2Config(
        vocab_size=fact(preset, "vocab_size"),
        n_embd=32,
        n_layer=1,
        n_head=2,
        add_cross_attention=True,
        bos_token_id=fact(preset, "bos_token_id"),
        eos_token_id=fact(preset, "eos_token_ids")[0],
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id, config.pad_token_id = (
        fact(preset, "decoder_start_token_id"),
        fact(preset, "pad_token_id"),
    )
    torch.manual_seed(0)
    model = VisionEncoderDecoderModel(config=config)
    model.save_pretrained(folder)
    (folder / "model.safetensors").unlink()
    torch.save(model.state_dict(), folder / "pytorch_model.bin")  # as transformers 4 wrote it
    tokenizer.save_pretrained(folder)
    ViTImageProcessorPil(
        size={"height": geometry["image_size"], "width": geometry["image_size"]},
        image_mean=geometry["image_mean"],
        image_std=geometry["image_std"],
    ).save_pretrained(folder)
    (folder / "generation_config.json").write_text(json.dumps(fact(preset, "hub_decoding")))
    return folder


def build_llama_folders(preset: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """A tiny Llama with Llama 3's vocabulary and ids (no pad token), and a tiny ViT at 224 px."""
    special, geometry = fact(preset, "special_tokens"), fact(preset, "image_geometry")
    tokenizer = tokenizer_with_ids(
        special, fact(preset, "vocab_size"), bos_token="<|begin_of_text|>", eos_token="<|end_of_text|>"
    )
    torch.manual_seed(0)
    language = folder / "language"
    LlamaForCausalLM(
        LlamaConfig(
            **TINY_TEXT,
            vocab_size=fact(preset, "vocab_size"),
            tie_word_embeddings=True,
            bos_token_id=fact(preset, "bos_token_id"),
            eos_token_id=fact(preset, "eos_token_ids")[0],
        )
    ).save_pretrained(language)
    tokenizer.save_pretrained(language)
    _hub_generation(preset, language)
    vision = folder / "vision"
    ViTModel(
        ViTConfig(**TINY_VISION, image_size=geometry["image_size"], patch_size=geometry["patch_size"]),
        add_pooling_layer=False,
    ).save_pretrained(vision)
    ViTImageProcessorPil(size={"height": geometry["image_size"], "width": geometry["image_size"]}).save_pretrained(
        vision
    )
    return language, vision
