"""Loading from the Hugging Face hub with one clear message for every way it can fail."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import FoodcapError

_GATED_HINTS = ("gated", "401", "403", "restricted", "authenticat", "access to model")
_OFFLINE_HINTS = ("couldn't connect", "connection", "offline", "resolve", "timed out", "max retries")


@contextlib.contextmanager
def hub_errors(model: str, what: str = "model") -> Iterator[None]:
    """Turn the hub's and transformers' loading exceptions into one-line FoodcapErrors."""
    try:
        yield
    except FoodcapError:
        raise
    except (OSError, ValueError) as error:
        raise FoodcapError(explain_load_failure(model, what, error)) from error
    except Exception as error:
        if type(error).__module__.startswith(("huggingface_hub", "requests", "httpx")):
            raise FoodcapError(explain_load_failure(model, what, error)) from error
        raise


def looks_like_path(model: str) -> bool:
    """Hub ids are ``name`` or ``owner/name``; anything else (``./x``, ``/a/b/c``, ``~/m``) is a folder."""
    return model.startswith((".", "/", "~")) or model.count("/") > 1 or os.sep in model.replace("/", "")


def explain_load_failure(model: str, what: str, error: BaseException) -> str:
    if looks_like_path(model) and not Path(model).expanduser().exists():
        return f"cannot load {what} {model!r}: no such folder. Pass an existing folder or a hub id with --model"
    text = str(error).lower()
    if "cannot be loaded with `safetensors`" in text:
        return (
            f"cannot load {what} {model!r}: it has no safetensors weights where they were required. Pass a folder "
            "with model.safetensors, or with pytorch_model.bin (read with torch's weights-only unpickler)"
        )
    if any(hint in text for hint in _GATED_HINTS):
        return (
            f"cannot load {what} {model!r}: the hub refused access (gated or private). Accept the "
            "licence on the model's page, then set HF_TOKEN to a token that has access"
        )
    if any(hint in text for hint in _OFFLINE_HINTS):
        return (
            f"cannot load {what} {model!r}: the model hub is unreachable. Download it where you have "
            "network and pass --model PATH, or use --random-weights tiny to work offline"
        )
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (
        f"cannot load {what} {model!r}: {first_line}. Pass a hub id or a local folder with --model "
        "PATH (set HF_TOKEN for gated models)"
    )
