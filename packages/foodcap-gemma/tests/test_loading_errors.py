"""Every way loading can fail ends in one FoodcapError line that says what to do."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest
import transformers.utils.hub
from huggingface_hub.utils import hf_raise_for_status
from transformers import AutoConfig, Gemma3TextConfig

from foodcap import FoodcapError
from foodcap_gemma.captioner import GemmaCaptioner, GemmaOptions
from foodcap_vlm.quantization import quantization_config

HUB_ID = "google/gemma-3-12b-it"


def load_error(**options: Any) -> str:
    with pytest.raises(FoodcapError) as caught:
        GemmaCaptioner.load(GemmaOptions(device="cpu", **options))
    message = str(caught.value)
    assert "\n" not in message
    return message


def hub_refusal(status: int) -> Exception:
    """The exception huggingface_hub raises for a gated repo (401) or a refused token (403)."""
    url = f"https://huggingface.co/{HUB_ID}/resolve/main/config.json"
    headers = {"X-Error-Message": f"Access to model {HUB_ID} is restricted"}
    if status == 401:
        headers["X-Error-Code"] = "GatedRepo"
    response = httpx2.Response(status, headers=headers, request=httpx2.Request("GET", url))
    try:
        hf_raise_for_status(response)
    except Exception as error:  # noqa: BLE001 - the point is to capture it
        return error
    raise AssertionError(f"{status} did not raise")


def test_missing_folder(tmp_path: Path) -> None:
    message = load_error(model=str(tmp_path / "no-such-model"))
    assert "does not exist" in message and "no-such-model" in message


def test_folder_that_is_not_gemma3(tmp_path: Path) -> None:
    Gemma3TextConfig(num_hidden_layers=1).save_pretrained(tmp_path)  # gemma-3-1b is text only
    assert "gemma3_text model" in load_error(model=str(tmp_path))


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("where", ["from_pretrained", "hub download"])
def test_gated_weights_ask_for_hf_token(status: int, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    error = hub_refusal(status)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise error

    if where == "from_pretrained":
        monkeypatch.setattr(AutoConfig, "from_pretrained", refuse)
    else:  # deeper: transformers wraps the hub's error in its own OSError first
        monkeypatch.setattr(transformers.utils.hub, "hf_hub_download", refuse)
        monkeypatch.setattr(transformers.utils.hub, "snapshot_download", refuse)
    message = load_error(model=HUB_ID)
    assert "HF_TOKEN" in message and "gated" in message and HUB_ID in message


def test_hf_token_is_passed_through(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def record(source: str, **kwargs: Any) -> None:
        seen.update(kwargs, source=source)
        raise hub_refusal(401)

    monkeypatch.setenv("HF_TOKEN", "hf_example")
    monkeypatch.setattr(AutoConfig, "from_pretrained", record)
    load_error(model="google/gemma-3-4b-it")
    assert seen == {"source": "google/gemma-3-4b-it", "token": "hf_example"}


def test_offline_hub_fails_fast_with_one_line(tmp_path: Path) -> None:
    # HF_HUB_OFFLINE is read when huggingface_hub is imported, hence a fresh interpreter, as a user has.
    script = (
        "from foodcap import FoodcapError\n"
        "from foodcap_gemma.captioner import GemmaCaptioner, GemmaOptions\n"
        "try:\n"
        f"    GemmaCaptioner.load(GemmaOptions(model={HUB_ID!r}, device='cpu'))\n"
        "except FoodcapError as error:\n"
        "    print('FoodcapError:', error)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    lines = [line for line in result.stdout.splitlines() if line.startswith("FoodcapError:")]
    assert len(lines) == 1, result.stdout + result.stderr
    assert "unreachable" in lines[0] and "--random-weights tiny" in lines[0] and HUB_ID in lines[0]


def test_a_folder_that_is_no_checkpoint_is_refused(tmp_path: Path) -> None:
    assert "not a foodcap-vlm checkpoint" in load_error(checkpoint=str(tmp_path))


@pytest.mark.parametrize("mode", ["4bit", "8bit"])
def test_quantization_without_the_extra_names_it(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    message = load_error(model=HUB_ID, quantization=mode)
    assert "pip install 'foodcap-vlm[quant]'" in message and mode in message


def test_quantization_needs_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    assert "CUDA" in load_error(model=HUB_ID, quantization="4bit")


def test_quantization_settings() -> None:
    import torch

    if importlib.util.find_spec("bitsandbytes") is None or not torch.cuda.is_available():
        pytest.skip("needs bitsandbytes and a CUDA GPU")
    config = quantization_config("4bit", torch.bfloat16, torch.device("cuda"))
    assert config is not None and config.load_in_4bit and config.bnb_4bit_compute_dtype == torch.bfloat16
    assert "vision_tower" in config.llm_int8_skip_modules


def test_random_weights_are_not_quantized() -> None:
    assert "--random-weights" in load_error(random_weights="tiny", quantization="8bit")


def test_no_quantization_needs_nothing() -> None:
    import torch

    assert quantization_config("none", torch.float32, torch.device("cpu")) is None
