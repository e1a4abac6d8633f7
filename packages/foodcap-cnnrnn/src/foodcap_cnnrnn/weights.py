"""Weights in and out of a module, with one-line errors. Written as safetensors; read from safetensors,
or from a PyTorch pickle (torchvision's ``.pth``) through torch's weights-only unpickler, never in full."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from foodcap import FoodcapError


def read_tensors(file: Path) -> dict[str, torch.Tensor]:
    if not file.is_file():
        raise FoodcapError(f"weights file {file} is missing")
    try:
        return load_file(str(file))
    except (SafetensorError, OSError) as error:
        raise FoodcapError(f"cannot read weights file {file}: {error}") from error


def read_state_dict(file: Path) -> dict[str, torch.Tensor]:
    """A safetensors file's tensors; any other file is read with torch's weights-only unpickler, which
    takes tensors and plain containers only (a pickle that names code is refused and never runs)."""
    if file.suffix == ".safetensors":
        return read_tensors(file)
    logging.getLogger("foodcap").warning(
        "reading %s with torch's weights-only unpickler (tensors only, never code)", file
    )
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError) as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise FoodcapError(f"refused to read {file} with torch's weights-only unpickler: {first_line}") from error
    if not isinstance(state, dict) or not all(isinstance(value, torch.Tensor) for value in state.values()):
        raise FoodcapError(f"{file} holds no state dict of tensors")
    return state


def fit_state_dict(module: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """``load_state_dict`` (strict) whose failure is one line naming ``source`` and the first mismatch."""
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]  # the first is a heading
        detail = next((line for line in lines if "size mismatch" in line), lines[min(1, len(lines) - 1)])
        raise FoodcapError(f"{source} does not fit this model ({detail})") from error


def load_weights(module: nn.Module, file: Path) -> None:
    """Copy a safetensors file into ``module``; every tensor must match exactly."""
    fit_state_dict(module, read_tensors(file), str(file))


def save_weights(module: nn.Module, file: Path) -> None:
    # contiguous() because safetensors refuses views; clone() because it refuses shared storage.
    state = {name: tensor.detach().cpu().contiguous().clone() for name, tensor in module.state_dict().items()}
    save_file(state, str(file))
