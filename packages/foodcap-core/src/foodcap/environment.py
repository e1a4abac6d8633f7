"""What a run record says about the software and hardware it ran on."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from typing import Any

import torch

_LIBRARIES = ("torch", "transformers", "peft", "accelerate", "tokenizers", "nltk", "rouge-score", "pillow")


def package_versions() -> dict[str, str]:
    """Versions of every installed foodcap distribution and the libraries results depend on."""
    versions = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and (name.startswith("foodcap") or name.lower() in _LIBRARIES):
            versions[name] = dist.version
    return dict(sorted(versions.items()))


def describe_hardware(device: torch.device) -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "device": str(device),
        "cpu_threads": torch.get_num_threads(),
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info
