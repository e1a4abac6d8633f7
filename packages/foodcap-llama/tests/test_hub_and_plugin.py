"""Registration, option checks, gated-weight messages and the full-size random shapes."""

from __future__ import annotations

import httpx2
import pytest
import torch
from huggingface_hub.errors import GatedRepoError

from foodcap import FoodcapError
from foodcap.registry import get_registry
from foodcap_llama import base_models
from foodcap_llama.captioner import LlamaLoraCaptioner
from foodcap_llama.options import LlamaLoraOptions
from foodcap_llama.random_weights import random_base_models

LLAMA_1B = "meta-llama/Llama-3.2-1B"


def test_both_captioners_and_the_lora_policy_are_registered():
    registry = get_registry()
    for name, model in (("llama-lora-1b", LLAMA_1B), ("llama-lora-3b", "meta-llama/Llama-3.2-3B")):
        entry = registry.captioner(name)
        assert entry.obj is LlamaLoraCaptioner
        options = registry.captioner_options(name, {"checkpoint": "somewhere"})
        assert options.model == model
        assert options.vision_model == "google/vit-base-patch16-224-in21k"
    assert registry.freeze_policy("lora").obj.name == "lora"


def test_nested_lora_options_and_square_prefix_are_validated():
    registry = get_registry()
    options = registry.captioner_options("llama-lora-1b", {"lora": {"r": 8}})
    assert (options.lora.r, options.lora.alpha) == (8, 32)
    with pytest.raises(FoodcapError, match="prefix_tokens"):
        registry.captioner_options("llama-lora-1b", {"prefix_tokens": 10})


def _gated(*args, **kwargs):
    request = httpx2.Request("GET", f"https://huggingface.co/{LLAMA_1B}/resolve/main/config.json")
    response = httpx2.Response(401, request=request)
    raise GatedRepoError(f"401 Client Error. Access to model {LLAMA_1B} is restricted.", response=response)


def _wrapped_by_transformers(*args, **kwargs):
    raise OSError(
        f"You are trying to access a gated repo.\nMake sure to have access to it at "
        f"https://huggingface.co/{LLAMA_1B}.\n403 Client Error."
    )


@pytest.mark.parametrize("failure", [_gated, _wrapped_by_transformers])
def test_gated_llama_is_one_line_about_licence_and_token(monkeypatch, failure):
    monkeypatch.setattr(base_models.AutoTokenizer, "from_pretrained", failure)
    with pytest.raises(FoodcapError) as error:
        LlamaLoraCaptioner.load_for_training(LlamaLoraOptions(model=LLAMA_1B, device="cpu"))
    message = str(error.value)
    assert "\n" not in message and LLAMA_1B in message
    assert "licence" in message and "HF_TOKEN" in message


def test_hf_token_is_left_to_transformers(monkeypatch):
    """No token argument anywhere: the user's HF_TOKEN (read by huggingface_hub) always applies."""
    calls = []

    def record(*args, **kwargs):
        calls.append(kwargs)
        raise OSError("stop here")

    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    monkeypatch.setattr(base_models.AutoTokenizer, "from_pretrained", record)
    with pytest.raises(FoodcapError):
        LlamaLoraCaptioner.load_for_training(LlamaLoraOptions(model=LLAMA_1B, device="cpu"))
    assert calls and all("token" not in kwargs for kwargs in calls)


@pytest.mark.parametrize("model, billions", [(LLAMA_1B, 1.236), ("meta-llama/Llama-3.2-3B-Instruct", 3.213)])
def test_full_random_weights_have_the_published_shapes(model, billions):
    bases = random_base_models("full", model, torch.device("meta"), torch.bfloat16)
    assert round(sum(p.numel() for p in bases.language_model.parameters()) / 1e9, 3) == billions
    assert bases.vision.config.hidden_size == 768 and bases.image_processor.size["height"] == 224


def test_full_random_weights_need_a_known_shape():
    with pytest.raises(FoodcapError, match="knows the shapes"):
        random_base_models("full", "someone/llama-7b", torch.device("meta"), torch.bfloat16)
