"""Device and dtype choices shared by every captioner and the trainer."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any

import torch

from ..captioner_options import CaptionerOptions
from ..errors import FoodcapError
from ..launch import Launch
from .precision import choose_dtype, choose_mixed_precision, native_bf16


def resolve_device(requested: str) -> torch.device:
    """``auto`` picks CUDA when present; an unavailable CUDA request is a user error.

    On Ampere and newer GPUs, float32 matmuls and convolutions use TF32 tensor cores.
    """
    if requested == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            device = torch.device(requested)
        except RuntimeError as error:
            raise FoodcapError(f"invalid device {requested!r}: use auto, cpu, cuda or cuda:N") from error
        if device.type == "cuda" and not torch.cuda.is_available():
            raise FoodcapError(f"device {requested!r} was asked for, but no CUDA GPU is available")
    if native_bf16(device):
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    return device


def resolve_dtype(requested: str, device: torch.device, float16_risk: str | None = None) -> torch.dtype:
    """``auto`` is bfloat16 where it is native, float16 on older GPUs (float32 for a family that
    overflows in float16), float32 on the CPU; see ``foodcap.backend.precision.choose_dtype``."""
    return choose_dtype(requested, device, float16_risk).dtype


# -- one model over several devices (``--device-map``) and one device per rank -----------------------
def parse_max_memory(text: str | None) -> dict[int | str, str] | None:
    """``0=20GiB,1=20GiB,cpu=64GiB`` as accelerate wants it (GPU indices as ints)."""
    if not text:
        return None
    limits: dict[int | str, str] = {}
    for item in text.split(","):
        device, sep, size = item.partition("=")
        device, size = device.strip(), size.strip()
        if not sep or not device or not size:
            raise FoodcapError(f"--max-memory expects DEVICE=SIZE pairs like 0=20GiB,cpu=64GiB, got {item!r}")
        limits[int(device) if device.isdigit() else device] = size
    return limits


def gpu_group(local_rank: int, local_world_size: int, gpus: int) -> list[int]:
    """The GPUs one rank owns when each of a node's ranks spans several (``--device-map`` under torchrun)."""
    per_rank = gpus // local_world_size
    if per_rank < 1:
        raise FoodcapError(
            f"{local_world_size} processes per node but only {gpus} GPU(s): "
            "--device-map needs at least one GPU per process"
        )
    return list(range(local_rank * per_rank, (local_rank + 1) * per_rank))


def for_rank(options: CaptionerOptions, launch: Launch) -> CaptionerOptions:
    """Each rank of a launch on its own local GPU, or its own group of GPUs with --device-map."""
    if not launch.distributed or not torch.cuda.is_available() or options.device not in ("auto", "cuda"):
        return options
    if options.device_map is None:
        return options.model_copy(update={"device": f"cuda:{launch.local_rank}"})
    if options.max_memory:
        return options  # the user placed every rank's model already
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", launch.world_size))
    group = gpu_group(launch.local_rank, local_world, torch.cuda.device_count())
    budget = ",".join(f"{gpu}={torch.cuda.get_device_properties(gpu).total_memory * 9 // 10}B" for gpu in group)
    return options.model_copy(update={"device": f"cuda:{group[0]}", "max_memory": budget})


def placement_kwargs(options: CaptionerOptions) -> dict[str, Any]:
    """``from_pretrained`` arguments that spread the model as --device-map asks ({} without it)."""
    if options.device_map is None:
        return {}
    kwargs: dict[str, Any] = {"device_map": options.device_map}
    limits = parse_max_memory(options.max_memory)
    if limits:
        kwargs["max_memory"] = limits
        if "disk" in str(limits) or not torch.cuda.is_available():
            kwargs["offload_folder"] = offload_folder()
    return kwargs


def offload_folder() -> str:
    """A fresh folder for the weights accelerate offloads to disk, removed when this process exits
    (the model reads it on every forward pass, so it lives as long as the process)."""
    folder = tempfile.mkdtemp(prefix="foodcap-offload-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def dispatch(model: torch.nn.Module, options: CaptionerOptions) -> torch.nn.Module:
    """Spread an already-built model (random weights) the way ``placement_kwargs`` spreads a loaded one."""
    from accelerate import dispatch_model, infer_auto_device_map

    kwargs = placement_kwargs(options)
    no_split = getattr(model, "_no_split_modules", None) or []
    device_map = infer_auto_device_map(
        model, max_memory=kwargs.get("max_memory"), no_split_module_classes=list(no_split)
    )
    return dispatch_model(model, device_map=device_map, offload_dir=kwargs.get("offload_folder"))


def describe_placement(model: torch.nn.Module) -> dict[str, str] | None:
    """Where each part of a spread model lives (transformers and accelerate record it as hf_device_map)."""
    device_map = getattr(model, "hf_device_map", None)
    return {name: str(device) for name, device in device_map.items()} if device_map else None


def mixed_precision(choice: str, device: torch.device, float16_risk: str | None = None) -> str:
    """accelerate's autocast setting for training: ``auto`` is bf16 where native, fp16 (with a GradScaler,
    which accelerate adds) on older GPUs unless the family overflows in it, none on the CPU."""
    return choose_mixed_precision(choice, device, float16_risk)[0]
