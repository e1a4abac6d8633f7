"""The entry point registers three sizes of one captioner, and --random-weights full is the real 12B shape."""

from __future__ import annotations

import pytest
import torch
from transformers import Gemma3ForConditionalGeneration

from foodcap.registry import get_registry
from foodcap_gemma.captioner import GemmaCaptioner, GemmaOptions
from foodcap_vlm.random_weights.gemma3 import build_config, build_processor


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("gemma-3-4b", "google/gemma-3-4b-it"),
        ("gemma-3-12b", "google/gemma-3-12b-it"),
        ("gemma-3-27b", "google/gemma-3-27b-it"),
    ],
)
def test_sizes_are_registered_through_the_entry_point(name: str, model: str) -> None:
    registry = get_registry()
    entry = registry.captioner(name)
    assert entry.obj is GemmaCaptioner
    assert entry.source.distribution == "foodcap-gemma"
    options = registry.captioner_options(name, {"prompt": "Name the dish."})
    assert isinstance(options, GemmaOptions)
    assert (options.model, options.prompt, options.family) == (model, "Name the dish.", "gemma3")


def test_full_random_weights_are_the_12b_architecture() -> None:
    processor = build_processor("full")
    config = build_config("full", processor)
    with torch.device("meta"):  # shapes only: 12B parameters would not fit a test machine
        model = Gemma3ForConditionalGeneration(config)
    parameters = sum(p.numel() for p in model.parameters())
    assert 12.1e9 < parameters < 12.3e9
    projector = model.model.multi_modal_projector
    assert (projector.patches_per_image, projector.tokens_per_side) == (64, 16)  # 896 px / 14, pooled to 256
    assert processor.image_seq_length == config.mm_tokens_per_image == 256
    assert processor.image_processor.size.height == config.vision_config.image_size == 896
    tokenizer = processor.tokenizer
    assert (config.image_token_id, config.boi_token_id) == (tokenizer.image_token_id, tokenizer.boi_token_id)
