"""VGG19 (configuration E) as a small module, loading torchvision- or timm-layout safetensors weights.

torchvision cannot be installed beside the CPU torch wheel here, and timm brings much more than one
network, so the sixteen convolutions and the two fully connected layers are written out. The layer
indices of ``features`` are torchvision's (and timm's), so those weights load without renaming; the
fully connected layers are ``fc6`` and ``fc7``, whose 4096-wide output (after ReLU) is the image
feature, as in the classic CNN-RNN captioners. The ImageNet classifier (fc8) is not built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from foodcap import FoodcapError
from foodcap.backend import RandomWeights, hub_errors

from .weights import fit_state_dict, read_state_dict

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")  # what a folder may hold, in order of preference
CONVOLUTIONS_PER_STAGE = (2, 2, 4, 4, 4)  # VGG19; each stage ends in a 2x2 max-pool

# Each checkpoint layout's name for fc6 and fc7 (timm stores them as 7x7 and 1x1 convolutions).
_FULLY_CONNECTED = {
    "classifier.0.": "fc6.",
    "classifier.3.": "fc7.",  # torchvision
    "pre_logits.fc1.": "fc6.",
    "pre_logits.fc2.": "fc7.",  # timm
}
_CLASSIFIER = ("classifier.6.", "head.fc.")  # the 1000-class ImageNet layer: unused by a captioner


@dataclass(frozen=True)
class VGGShape:
    """Channel width of each of the five stages, the fc width, and the grid fc6 reads."""

    stage_widths: tuple[int, int, int, int, int]
    fc_width: int
    pool_side: int
    image_size: int


SHAPES: dict[RandomWeights, VGGShape] = {
    "full": VGGShape((64, 128, 256, 512, 512), 4096, 7, 224),  # torchvision's and timm's vgg19
    # Every layer of the real one, narrow: the same state-dict names at a fraction of the size.
    "tiny": VGGShape((8, 16, 32, 32, 32), 64, 1, 32),
}


class VGG19(nn.Module):
    """Images -> the fc7 feature, ``(batch, fc_width)``."""

    def __init__(self, shape: VGGShape) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for width, convolutions in zip(shape.stage_widths, CONVOLUTIONS_PER_STAGE):
            for _ in range(convolutions):
                layers += [nn.Conv2d(channels, width, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                channels = width
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(shape.pool_side)
        self.fc6 = nn.Linear(channels * shape.pool_side**2, shape.fc_width)
        self.fc7 = nn.Linear(shape.fc_width, shape.fc_width)
        self.dropout = nn.Dropout(0.5)  # between fc6 and fc7, as torchvision trains it
        self.feature_size = shape.fc_width

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        grid = self.pool(self.features(pixel_values)).flatten(1)
        hidden = self.dropout(torch.relu(self.fc6(grid)))
        return torch.relu(self.fc7(hidden))

    def reset_weights(self) -> None:
        """He initialisation (zero biases) for random weights: features keep their scale through 18 layers."""
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)


def renamed_state_dict(checkpoint: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A torchvision- or timm-layout VGG19 state dict in ``VGG19``'s names.

    ``features.N`` keeps its name; fc6 and fc7 are renamed, and timm's convolution-shaped
    weights (4096, 512, 7, 7) are flattened to the linear layers' (4096, 25088): a 7x7
    convolution over a 7x7 grid is the linear layer over the grid flattened channel-first.
    The ImageNet classifier is dropped; any other key is refused.
    """
    renamed: dict[str, torch.Tensor] = {}
    unknown: list[str] = []
    for key, tensor in checkpoint.items():
        if key.startswith("features."):
            renamed[key] = tensor
        elif key.startswith(_CLASSIFIER):
            continue
        elif prefix := next((p for p in _FULLY_CONNECTED if key.startswith(p)), None):
            target = _FULLY_CONNECTED[prefix] + key.removeprefix(prefix)
            renamed[target] = tensor.flatten(1) if tensor.ndim == 4 else tensor
        else:
            unknown.append(key)
    if unknown:
        raise FoodcapError(f"not a VGG19 checkpoint in the torchvision or timm layout: unknown key {unknown[0]!r}")
    return renamed


def load_vgg19_weights(network: VGG19, source: str) -> dict[str, str]:
    """Fill ``network`` from a weights file (safetensors, or torchvision's ``.pth`` read weights-only), a
    folder holding ``model.safetensors`` (or ``pytorch_model.bin``), or a hub id's ``model.safetensors``."""
    file = _weights_file(source)
    fit_state_dict(network, renamed_state_dict(read_state_dict(file)), f"the VGG19 weights {str(file)!r}")
    read_as = "safetensors" if file.suffix == ".safetensors" else "pickle, read with torch's weights-only unpickler"
    return {"source": source, "file": file.name, "format": read_as}


def _weights_file(source: str) -> Path:
    path = Path(source).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        found = next((path / name for name in WEIGHT_FILES if (path / name).is_file()), None)
        if found is None:
            raise FoodcapError(f"{source!r} holds no VGG19 weights ({' or '.join(WEIGHT_FILES)})")
        return found
    from huggingface_hub import hf_hub_download

    with hub_errors(source, "VGG19 weights"):
        return Path(hf_hub_download(source, WEIGHT_FILES[0]))
