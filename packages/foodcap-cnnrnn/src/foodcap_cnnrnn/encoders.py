"""The image encoders: a pretrained CNN reduced to one pooled feature vector per image.

ResNet-18/50 come through transformers' ``ResNetModel`` (safetensors only), VGG19 through
``vgg.VGG19``. ``--random-weights`` builds either offline from a fixed seed, so a checkpoint trained
on a random encoder can rebuild it exactly: ``tiny`` for tests, ``full`` at the real shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from transformers import AutoImageProcessor, ConvNextImageProcessorPil, ResNetConfig, ResNetModel
from transformers.image_processing_utils import BaseImageProcessor

from foodcap.backend import RandomWeights, hub_errors, load_pretrained_weights

from .options import CnnRnnOptions, Encoder
from .vgg import SHAPES as VGG_SHAPES
from .vgg import VGG19, load_vgg19_weights

RANDOM_WEIGHTS_SEED = 0

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
BILINEAR, BICUBIC = 2, 3  # PIL resampling filters

# microsoft/resnet-18 and microsoft/resnet-50's configs, and narrow one-block-per-stage versions for tests.
RESNET_SHAPES: dict[tuple[str, RandomWeights], dict[str, Any]] = {
    ("resnet18", "full"): {
        "embedding_size": 64,
        "hidden_sizes": [64, 128, 256, 512],
        "depths": [2, 2, 2, 2],
        "layer_type": "basic",
    },
    ("resnet50", "full"): {
        "embedding_size": 64,
        "hidden_sizes": [256, 512, 1024, 2048],
        "depths": [3, 4, 6, 3],
        "layer_type": "bottleneck",
    },
    ("resnet18", "tiny"): {
        "embedding_size": 8,
        "hidden_sizes": [8, 16, 32, 32],
        "depths": [1, 1, 1, 1],
        "layer_type": "basic",
    },
    ("resnet50", "tiny"): {
        "embedding_size": 8,
        "hidden_sizes": [16, 32, 64, 64],
        "depths": [1, 1, 1, 1],
        "layer_type": "bottleneck",
    },
}
RANDOM_IMAGE_SIZES: dict[RandomWeights, int] = {"tiny": 32, "full": 224}


class ResNetFeatures(nn.Module):
    """A transformers ``ResNetModel`` -> its globally average-pooled last stage, ``(batch, channels)``."""

    def __init__(self, resnet: ResNetModel) -> None:
        super().__init__()
        self.resnet = resnet
        self.feature_size = int(list(resnet.config.hidden_sizes or [])[-1])

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.resnet(pixel_values=pixel_values).pooler_output.flatten(1)


@dataclass
class ImageEncoder:
    """The encoder network (``feature_size`` wide output) and the image processor it expects."""

    network: ResNetFeatures | VGG19
    image_processor: BaseImageProcessor
    weights: dict[str, str] | None = None  # the pretrained file that was read, for run.json (None: random)

    @property
    def feature_size(self) -> int:
        return self.network.feature_size


def imagenet_processor(side: int, resample: int) -> BaseImageProcessor:
    """torchvision's evaluation transform: shorter side to side/0.875, centre crop, ImageNet mean and std."""
    return ConvNextImageProcessorPil(
        size={"shortest_edge": side},
        crop_pct=0.875,
        resample=resample,
        image_mean=IMAGENET_MEAN,
        image_std=IMAGENET_STD,
    )


def load_encoder(options: CnnRnnOptions) -> ImageEncoder:
    """Random weights when asked for, else the pretrained encoder ``options.encoder_id()`` names."""
    if options.random_weights is not None:
        return random_encoder(options.encoder, options.random_weights)
    source = options.encoder_id()
    if options.encoder == "vgg19":
        vgg = VGG19(VGG_SHAPES["full"])
        weights = load_vgg19_weights(vgg, source)
        return ImageEncoder(vgg.eval(), imagenet_processor(VGG_SHAPES["full"].image_size, BILINEAR), weights)
    # The hub checkpoints are ResNetForImageClassification; ResNetModel takes their backbone.
    resnet, found = load_pretrained_weights(ResNetModel.from_pretrained, source, "ResNet encoder")
    with hub_errors(source, "image processor"):
        image_processor = AutoImageProcessor.from_pretrained(source)
    return ImageEncoder(ResNetFeatures(resnet).eval(), image_processor, found.record() if found else None)


def random_encoder(encoder: Encoder, size: RandomWeights) -> ImageEncoder:
    """A seeded random-weight encoder of the real architecture (``full``) or a narrow one (``tiny``)."""
    side = RANDOM_IMAGE_SIZES[size]
    network: ResNetFeatures | VGG19
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(RANDOM_WEIGHTS_SEED)
        if encoder == "vgg19":
            vgg = VGG19(VGG_SHAPES[size])
            vgg.reset_weights()
            network = vgg
        else:
            network = ResNetFeatures(ResNetModel(ResNetConfig(**RESNET_SHAPES[encoder, size])))
    return ImageEncoder(network.eval(), imagenet_processor(side, BILINEAR if encoder == "vgg19" else BICUBIC))
