"""Which weights file a ``from_pretrained`` reads, loaded safely, and recorded for run.json.

safetensors is preferred. A repository or folder with only ``pytorch_model.bin`` (such as
``nlpconnect/vit-gpt2-image-captioning``) is read through torch's weights-only unpickler, which
accepts tensors and plain containers and refuses anything else; foodcap never unpickles in full.
Loading never waits on, or opens, the hub's safetensors conversion pull request.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import FoodcapError
from .hub import hub_errors

logger = logging.getLogger("foodcap")
M = TypeVar("M")

# In transformers' order of preference: safetensors first, whole or sharded.
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
WEIGHTS_ONLY = "torch's weights-only unpickler"


@dataclass(frozen=True)
class WeightsFile:
    """The file ``from_pretrained`` reads and the hub revision it came from (None: a local folder)."""

    source: str
    file: str
    revision: str | None

    @property
    def safetensors(self) -> bool:
        return ".safetensors" in self.file

    def record(self) -> dict[str, str]:
        return {
            "source": self.source,
            "file": self.file,
            "format": "safetensors" if self.safetensors else f"pickle, read with {WEIGHTS_ONLY}",
            "revision": self.revision or "local folder",
        }


def find_weights(source: str, token: str | None = None, subfolder: str = "") -> WeightsFile | None:
    """The first of ``WEIGHT_FILES`` that ``source`` (hub id or folder) has; None if none could be found,
    e.g. offline without a cached copy (``from_pretrained`` then says why in its own words)."""
    from transformers.utils.hub import cached_file, extract_commit_hash

    for name in WEIGHT_FILES:
        path = cached_file(
            source,
            name,
            token=token,
            subfolder=subfolder,
            _raise_exceptions_for_missing_entries=False,
            _raise_exceptions_for_connection_errors=False,
        )
        if path is not None:
            return WeightsFile(source, name, extract_commit_hash(path, None))
    return None


def load_pretrained_weights(
    load: Callable[..., M], source: str, what: str = "model", token: str | None = None, **kwargs: Any
) -> tuple[M, WeightsFile | None]:
    """``load(source, **kwargs)`` (a ``from_pretrained``) from the file ``find_weights`` picks, with every
    failure as one line; a ``.bin``-only source gets one line saying how it is read."""
    with hub_errors(source, what):
        weights = find_weights(source, token, kwargs.get("subfolder", ""))
        if weights is not None and not weights.safetensors:
            logger.warning(
                "%s %s has no safetensors weights: reading %s with %s (tensors only, never code)",
                what,
                source,
                weights.file,
                WEIGHTS_ONLY,
            )
        with _no_conversion_pull_request(), _pickles_refused(source, what):
            # weights_only is transformers' default; passed anyway so that no default can change it.
            model = load(
                source,
                use_safetensors=weights.safetensors if weights else None,
                weights_only=True,
                token=token,
                **kwargs,
            )
    return model, weights


@contextlib.contextmanager
def _no_conversion_pull_request() -> Iterator[None]:
    """transformers starts a thread that asks the hub to convert a ``.bin``-only repository to safetensors
    (a pull request on the model's page); this switch, its own, turns that off."""
    name = "DISABLE_SAFETENSORS_CONVERSION"
    saved = os.environ.get(name)
    os.environ[name] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


@contextlib.contextmanager
def _pickles_refused(source: str, what: str) -> Iterator[None]:
    """The weights-only unpickler's refusals as one line: a pickle that names code (a class or function
    to call, as a code payload does) is refused, never run; anything else it cannot read is no checkpoint."""
    try:
        yield
    except pickle.UnpicklingError as error:
        text = str(error)
        if "Unsupported global" in text:
            culprit = text[text.index("Unsupported global") :].split(" was not", 1)[0]
            raise FoodcapError(
                f"refused to load {what} {source!r}: its pickled weights name code ({culprit}), which "
                f"{WEIGHTS_ONLY} refuses to run. Use a safetensors copy from a source you trust"
            ) from error
        raise FoodcapError(
            f"cannot load {what} {source!r}: its weights file is not a PyTorch checkpoint that {WEIGHTS_ONLY} can read"
        ) from error
