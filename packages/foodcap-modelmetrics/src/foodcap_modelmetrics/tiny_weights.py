"""Tiny random-weight CLIP and RoBERTa folders, built offline with the real transformers classes.

Tests and the benchmark save them with ``save_pretrained`` and score through the same
``from_pretrained`` path as real weights (``--metric-option clipscore.model=FOLDER``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import torch

SAMPLE_TEXTS = (
    "A photo depicts tomato soup with basil",
    "Pea soup",
    "Blueberry tart with cream",
    "Lemon cake",
    "Chocolate mousse",
    "Rice pudding with cinnamon",
    "Grilled salmon",
)


def _byte_alphabet() -> list[str]:
    from tokenizers import pre_tokenizers

    return sorted(pre_tokenizers.ByteLevel.alphabet())


def _write_vocabulary(folder: Path, vocab: dict[str, int], merges: list[tuple[str, str]]) -> None:
    """vocab.json and merges.txt beside tokenizer.json, as hub folders have them (transformers 4's slow
    tokenizers, which bert-score asks for, read only these)."""
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    lines = ["#version: 0.2", *(" ".join(merge) for merge in merges)]
    (folder / "merges.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def save_tiny_clip(folder: Path, image_size: int = 32, seed: int = 1) -> Path:
    """A CLIP with 2-layer towers, character-level CLIP BPE vocabulary and a PIL image processor."""
    from transformers import CLIPConfig, CLIPModel, CLIPTokenizer
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    alphabet = _byte_alphabet()
    vocab = {token: index for index, token in enumerate([*alphabet, *(c + "</w>" for c in alphabet)])}
    vocab["<|startoftext|>"], vocab["<|endoftext|>"] = len(vocab), len(vocab) + 1
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)
    tower = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2}
    config = CLIPConfig(
        text_config={
            **tower,
            "vocab_size": len(vocab),
            "max_position_embeddings": 77,
            "bos_token_id": vocab["<|startoftext|>"],
            "eos_token_id": vocab["<|endoftext|>"],
            "pad_token_id": vocab["<|endoftext|>"],
        },
        # 7x7 patches at 224 px, as ViT-B/32 has; 4x4 of 8 px at the tests' 32 px.
        vision_config={**tower, "image_size": image_size, "patch_size": max(8, image_size // 7)},
        projection_dim=16,
    )
    torch.manual_seed(seed)
    CLIPModel(config).save_pretrained(folder)  # seed 1: image-caption cosines of both signs, so clamping shows
    tokenizer.save_pretrained(folder)
    _write_vocabulary(folder, vocab, [])
    CLIPImageProcessorPil(
        size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
    ).save_pretrained(folder)
    # transformers 4 (the oracles' environment) knows the class as CLIPImageProcessor: same settings, PIL resizing.
    processor_file = folder / "preprocessor_config.json"
    settings = json.loads(processor_file.read_text())
    settings["image_processor_type"] = "CLIPImageProcessor"
    processor_file.write_text(json.dumps(settings, indent=2))
    return folder


def save_tiny_roberta(folder: Path, texts: Iterable[str] = SAMPLE_TEXTS, layers: int = 4, seed: int = 0) -> Path:
    """A 4-layer RoBERTa with a byte-level BPE trained on ``texts`` (a RobertaTokenizer, as roberta-large has)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import RobertaConfig, RobertaModel, RobertaTokenizer

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=specials,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(list(texts), trainer=trainer)
    trained = json.loads(bpe.to_str())["model"]
    pairs = [m if isinstance(m, list) else m.split(" ", 1) for m in trained["merges"]]
    merges = [(first, second) for first, second in pairs]
    # The backend wants (first, second) pairs, whatever the annotation says.
    tokenizer = RobertaTokenizer(vocab=trained["vocab"], merges=cast(Any, merges), model_max_length=64)
    config = RobertaConfig(
        vocab_size=len(trained["vocab"]),
        hidden_size=32,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=66,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
    torch.manual_seed(seed)
    RobertaModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    _write_vocabulary(folder, trained["vocab"], merges)
    return folder
