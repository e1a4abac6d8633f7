"""Precision that fits the hardware: native bf16 only from compute capability 8.0, fp32 master weights."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from foodcap.backend import placement, precision
from foodcap.captioner_options import CaptionerOptions
from foodcap.errors import FoodcapError
from foodcap.launch import Launch
from foodcap.training.master_weights import keep_trainable_float32


@pytest.mark.parametrize(
    "capability, dtype, autocast, tf32",
    [
        ((7, 0), torch.float16, "fp16", False),  # V100: bf16 only emulated
        ((7, 5), torch.float16, "fp16", False),  # T4
        ((8, 0), torch.bfloat16, "bf16", True),  # A100
        ((9, 0), torch.bfloat16, "bf16", True),  # H100
    ],
)
def test_auto_precision_follows_compute_capability(
    monkeypatch: pytest.MonkeyPatch, capability: tuple[int, int], dtype: torch.dtype, autocast: str, tf32: bool
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        device = placement.resolve_device("cuda")
        assert torch.backends.cuda.matmul.allow_tf32 is tf32 and torch.backends.cudnn.allow_tf32 is tf32
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
    assert placement.resolve_dtype("auto", device) == dtype
    assert placement.mixed_precision("auto", device) == autocast
    assert placement.resolve_dtype("float32", device) == torch.float32  # an explicit choice stands


def test_cpu_stays_float32_without_autocast() -> None:
    cpu = placement.resolve_device("cpu")
    assert placement.resolve_dtype("auto", cpu) == torch.float32
    assert placement.mixed_precision("auto", cpu) == "no"


def test_trainable_parameters_become_float32_master_weights_under_autocast() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2)).to(torch.bfloat16)
    model[0].requires_grad_(False)
    frozen = model[0].weight.detach().clone()
    trained = model[1].weight.detach().clone()
    assert keep_trainable_float32(model, "bf16") == 2
    assert model[1].weight.dtype == torch.float32 and model[1].bias.dtype == torch.float32
    assert torch.equal(model[1].weight.to(torch.bfloat16), trained)  # the same values, in float32
    assert model[0].weight.dtype == torch.bfloat16 and torch.equal(model[0].weight, frozen)  # frozen parts stay
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert model(torch.ones(1, 4)).shape == (1, 2)


def test_low_precision_trainable_weights_without_autocast_are_refused() -> None:
    model = torch.nn.Linear(4, 2).to(torch.bfloat16)
    with pytest.raises(FoodcapError, match="--dtype bfloat16 would train bfloat16 weights without float32 master"):
        keep_trainable_float32(model, "no")


GEMMA_RISK = "Gemma 3 produces NaN or empty output in float16 (transformers issue #36822)"


@pytest.mark.parametrize(
    "capability, plain, unsafe, autocast",
    [
        ((6, 0), torch.float16, torch.float32, "no"),  # P100 (Kaggle)
        ((7, 5), torch.float16, torch.float32, "no"),  # T4 (Kaggle, Colab)
        ((8, 0), torch.bfloat16, torch.bfloat16, "bf16"),  # A100: native bfloat16 is safe for every family
    ],
)
def test_a_family_that_overflows_in_float16_gets_float32_where_bfloat16_is_not_native(
    monkeypatch: pytest.MonkeyPatch, capability: tuple[int, int], plain: torch.dtype, unsafe: torch.dtype, autocast: str
) -> None:
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    gpu = torch.device("cuda", 0)
    assert precision.choose_dtype("auto", gpu).dtype == plain
    chosen = precision.choose_dtype("auto", gpu, GEMMA_RISK)
    assert chosen.dtype == unsafe and f"compute capability {capability[0]}.{capability[1]}" in chosen.reason
    if unsafe == torch.float32:
        assert chosen.record() == {"dtype": "float32", "reason": chosen.reason} and GEMMA_RISK in chosen.reason
    assert precision.choose_mixed_precision("auto", gpu, GEMMA_RISK)[0] == autocast
    assert placement.resolve_dtype("auto", gpu, GEMMA_RISK) == unsafe  # the trainer's and plugins' entry point


@pytest.mark.parametrize(
    "flag, call",
    [
        ("--dtype float16", lambda: precision.choose_dtype("float16", torch.device("cuda", 0), GEMMA_RISK)),
        (
            "--mixed-precision fp16",
            lambda: precision.choose_mixed_precision("fp16", torch.device("cuda", 0), GEMMA_RISK),
        ),
    ],
)
def test_an_explicit_float16_for_such_a_family_is_refused_in_one_line(flag: str, call: Any) -> None:
    with pytest.raises(FoodcapError) as refused:
        call()
    assert str(refused.value).startswith(f"{flag} is refused: {GEMMA_RISK}") and "\n" not in str(refused.value)


def test_explicit_choices_stand_for_safe_families_and_say_so() -> None:
    chosen = precision.choose_dtype("float16", torch.device("cpu"))
    assert chosen.dtype == torch.float16 and chosen.reason == "asked for with --dtype"
    assert precision.choose_mixed_precision("fp16", torch.device("cpu")) == ("fp16", "asked for with --mixed-precision")


def test_the_doctor_summary_names_the_captioners_that_get_float32(monkeypatch: pytest.MonkeyPatch) -> None:
    risks = {"gemma-3-4b": GEMMA_RISK, "vit-gpt2": None}
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (7, 5))
    summary = precision.auto_dtype_summary(torch.device("cuda", 0), risks)
    assert summary == "auto dtype float16; float32 for gemma-3-4b (they overflow in float16)"
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (9, 0))
    assert precision.auto_dtype_summary(torch.device("cuda", 0), risks) == "auto dtype bfloat16"


GIB = 2**30


@pytest.fixture
def eight_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """A node with 8 GPUs as torch.cuda reports them: GPU g has (g + 1) * 10 GiB."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 8)
    monkeypatch.setattr(
        torch.cuda, "get_device_properties", lambda gpu: SimpleNamespace(total_memory=(gpu + 1) * 10 * GIB)
    )
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")


def test_each_rank_takes_its_local_gpu(eight_gpus: None) -> None:
    """Mutation guarded: for_rank places a rank on another rank's GPU, or returns early although GPUs exist."""
    auto = CaptionerOptions()
    assert [placement.for_rank(auto, Launch(rank, 4, rank % 2)).device for rank in range(4)] == [
        "cuda:0",
        "cuda:1",
        "cuda:0",
        "cuda:1",
    ]  # two nodes of two ranks
    assert placement.for_rank(CaptionerOptions(device="cuda"), Launch(1, 2, 1)).device == "cuda:1"
    for kept in (CaptionerOptions(device="cpu"), CaptionerOptions(device="cuda:5")):  # the user's choice stands
        assert placement.for_rank(kept, Launch(1, 2, 1)) == kept
    assert placement.for_rank(auto, Launch()) == auto  # one process: torch picks as usual


def test_each_rank_spreads_over_its_own_group_of_gpus_with_a_memory_budget(eight_gpus: None) -> None:
    spread = CaptionerOptions(device_map="auto")
    first, second = (placement.for_rank(spread, Launch(rank, 2, rank)) for rank in (0, 1))
    assert (first.device, second.device) == ("cuda:0", "cuda:4")  # 8 GPUs, 2 ranks per node: 4 each
    assert first.max_memory == ",".join(f"{gpu}={(gpu + 1) * 10 * GIB * 9 // 10}B" for gpu in range(4))
    assert second.max_memory == ",".join(f"{gpu}={(gpu + 1) * 10 * GIB * 9 // 10}B" for gpu in range(4, 8))
    assert first.device_map == "auto"
    placed = CaptionerOptions(device_map="auto", max_memory="0=5GiB,1=5GiB")
    assert placement.for_rank(placed, Launch(1, 2, 1)) == placed  # the user placed every rank already


def test_local_world_size_defaults_to_the_world_size(eight_gpus: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCAL_WORLD_SIZE")
    assert placement.for_rank(CaptionerOptions(device_map="auto"), Launch(3, 4, 3)).device == "cuda:6"


def test_without_cuda_every_rank_keeps_its_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    options = CaptionerOptions(device_map="auto")
    assert placement.for_rank(options, Launch(1, 2, 1)) == options


def test_the_disk_offload_folder_is_removed_when_the_process_exits() -> None:
    script = (
        "from foodcap.captioner_options import CaptionerOptions; from foodcap.backend import placement_kwargs; "
        "print(placement_kwargs(CaptionerOptions(device_map='auto', max_memory='cpu=1GiB,disk=9GiB'))"
        "['offload_folder'])"
    )
    made = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    folder = Path(made.stdout.strip())
    assert folder.name.startswith("foodcap-offload-") and not folder.exists()
