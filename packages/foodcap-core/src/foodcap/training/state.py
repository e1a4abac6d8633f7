"""Resumable training state without pickle: tensors in safetensors, everything else in JSON."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from ..runs.folder import write_json

_TENSORS = "state.safetensors"
_META = "state.json"


def _split_tensors(value: Any, prefix: str, tensors: dict[str, torch.Tensor]) -> Any:
    """Replace every tensor in a nested structure by a ``{"tensor": key}`` reference."""
    if isinstance(value, torch.Tensor):
        tensors[prefix] = value.detach().cpu().contiguous()
        return {"tensor": prefix}
    if isinstance(value, dict):
        return {
            "dict": [
                [_split_tensors(k, f"{prefix}.k{i}", tensors), _split_tensors(v, f"{prefix}.{i}", tensors)]
                for i, (k, v) in enumerate(value.items())
            ]
        }
    if isinstance(value, (list, tuple)):
        items = [_split_tensors(v, f"{prefix}.{i}", tensors) for i, v in enumerate(value)]
        return {"tuple": items} if isinstance(value, tuple) else items
    return value


def _join_tensors(value: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(value, list):
        return [_join_tensors(v, tensors) for v in value]
    if isinstance(value, dict):
        if "tensor" in value:
            return tensors[value["tensor"]]
        if "tuple" in value:
            return tuple(_join_tensors(v, tensors) for v in value["tuple"])
        return {_join_tensors(k, tensors): _join_tensors(v, tensors) for k, v in value["dict"]}
    return value


def save_state(directory: Path, state: dict[str, Any]) -> None:
    """Write a nested dict of tensors, numbers and strings (optimizer, scheduler, RNG, progress)."""
    directory.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    meta = _split_tensors(state, "s", tensors)
    save_file(tensors, str(directory / _TENSORS))
    write_json(directory / _META, meta)


def load_state(directory: Path) -> dict[str, Any]:
    tensors = load_file(str(directory / _TENSORS))
    meta = json.loads((directory / _META).read_text(encoding="utf-8"))
    return _join_tensors(meta, tensors)  # type: ignore[no-any-return]


def rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state(), "python": list(random.getstate()[1])}
    state["python_version"] = random.getstate()[0]
    state["python_gauss"] = random.getstate()[2]
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    """Restore the saved generators; a machine with fewer (or no) GPUs restores the ones it has."""
    torch.set_rng_state(state["torch"])
    random.setstate((state["python_version"], tuple(state["python"]), state["python_gauss"]))
    saved = list(state.get("cuda", []))
    if saved and torch.cuda.is_available():
        for device in range(min(len(saved), torch.cuda.device_count())):
            torch.cuda.set_rng_state(saved[device], device)


def trainable_weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().cpu().clone() for name, p in model.named_parameters() if p.requires_grad}


def load_trainable_weights(model: torch.nn.Module, weights: dict[str, torch.Tensor]) -> None:
    """Copy saved trainable parameters back in place; every one must exist in the model."""
    parameters = dict(model.named_parameters())
    missing = sorted(set(weights) - set(parameters))
    if missing:
        raise KeyError(f"saved weights not in the model: {', '.join(missing[:5])}")
    with torch.no_grad():
        for name, value in weights.items():
            parameters[name].copy_(value)
