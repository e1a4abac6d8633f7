"""Where a metric's weights come from: a local folder or a hub id already in the local cache, never the network.

Pre-flight asks ``missing_weights`` before any captioning model loads; scoring loads with
``local_files_only=True`` (safetensors where the folder has them, else transformers' weights-only
loader; never ``trust_remote_code``), once per process and device, shared by every metric that
uses the same weights (clipscore and refclipscore share one CLIP).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from foodcap import FoodcapError, MetricOptions

T = TypeVar("T")


class ModelMetricOptions(MetricOptions):
    """Options every model-based metric has: the weights, where to run, how many texts or images at once."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str = Field(..., description="Hub id (from the local cache) or local folder of the weights.")
    device: str = Field("auto", description="auto (the GPU when there is one), cpu, cuda or cuda:N.")
    batch_size: int = Field(64, ge=1, description="Texts or images per forward pass.")


def looks_like_folder(model: str) -> bool:
    """Hub ids are ``name`` or ``owner/name``; anything else (``./x``, ``/a/b``, ``~/m``) or an existing
    folder is a folder."""
    from foodcap.backend import looks_like_path

    return looks_like_path(model) or Path(model).expanduser().is_dir()


def missing_weights(metric: str, model: str) -> list[str]:
    """One line saying what is missing and how to get it, or nothing when the weights are here."""
    if looks_like_folder(model):
        folder = Path(model).expanduser()
        if not (folder / "config.json").is_file():
            return [
                f"{metric} weights: {folder} is not a model folder (no config.json); pass "
                f"--metric-option {metric}.model=FOLDER with a folder save_pretrained wrote"
            ]
        return []
    from huggingface_hub import try_to_load_from_cache

    if not isinstance(try_to_load_from_cache(model, "config.json"), str):
        return [
            f"{metric} weights {model!r} are not in the local Hugging Face cache and foodcap scores offline: "
            f"download them where there is network (hf download {model}) or pass "
            f"--metric-option {metric}.model=FOLDER"
        ]
    return []


def weights_location(model: str) -> str:
    """What ``from_pretrained`` is given: the expanded folder, or the hub id."""
    return str(Path(model).expanduser()) if looks_like_folder(model) else model


_LOADED: dict[tuple[str, str, str], Any] = {}


def loaded_once(kind: str, model: str, device: str, load: Callable[[], T]) -> T:
    """``load()`` the first time this (kind, weights, device) is asked for in this process, then the same object."""
    key = (kind, weights_location(model), device)
    if key not in _LOADED:
        from foodcap.backend import hub_errors

        with hub_errors(model, f"{kind} weights"):
            _LOADED[key] = load()
    return _LOADED[key]  # type: ignore[no-any-return]


def chosen_device(requested: str) -> Any:
    """The torch device for ``requested`` (auto: the GPU when there is one); a bad name is a FoodcapError."""
    from foodcap.backend import resolve_device

    return resolve_device(requested)


def options_of(options: MetricOptions, kind: type[BaseModel]) -> Any:
    """``options`` as the metric's own options class (a metric built with plain MetricOptions gets defaults)."""
    if isinstance(options, kind):
        return options
    try:
        return kind.model_validate({"dialect": options.dialect})
    except ValueError as error:
        raise FoodcapError(f"invalid metric options: {error}") from error
