"""Loading: a ResNet folder as the hub holds it, random weights, the presets, and one-line refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image
from transformers import ConvNextImageProcessorPil, ResNetConfig, ResNetForImageClassification

from foodcap import FoodcapError
from foodcap.registry import get_registry
from foodcap_cnnrnn.captioner import CnnRnnCaptioner
from foodcap_cnnrnn.encoders import IMAGENET_MEAN, IMAGENET_STD, RESNET_SHAPES
from foodcap_cnnrnn.options import DEFAULT_ENCODER_IDS, CnnRnnOptions


@pytest.fixture(scope="module")
def resnet_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny ResNetForImageClassification and its image processor, saved like microsoft/resnet-18."""
    folder = tmp_path_factory.mktemp("resnet")
    torch.manual_seed(7)
    ResNetForImageClassification(ResNetConfig(**RESNET_SHAPES["resnet18", "tiny"], num_labels=5)).save_pretrained(
        folder
    )
    ConvNextImageProcessorPil(
        size={"shortest_edge": 48}, crop_pct=0.875, image_mean=IMAGENET_MEAN, image_std=IMAGENET_STD
    ).save_pretrained(folder)
    return folder


def test_a_resnet_folder_loads_its_backbone_and_image_processor(resnet_folder: Path, options) -> None:
    captioner = CnnRnnCaptioner.load_for_training(options(random_weights=None, model=str(resnet_folder)))
    saved = ResNetForImageClassification.from_pretrained(resnet_folder)
    encoder = captioner.components()["encoder"]
    for name, tensor in saved.resnet.state_dict().items():
        assert torch.equal(encoder.resnet.state_dict()[name], tensor), name
    assert encoder.feature_size == 32
    pixels = captioner.preprocessor()([Image.new("RGB", (274, 169), (200, 40, 30))])["pixel_values"]
    assert pixels.shape == (1, 3, 48, 48)
    assert captioner.network.encode(pixels).shape == (1, 32)
    assert not any(path.suffix in {".bin", ".pt", ".pth"} for path in resnet_folder.iterdir())
    assert captioner.describe()["weights"] == {
        "source": str(resnet_folder),
        "file": "model.safetensors",
        "format": "safetensors",
        "revision": "local folder",
    }


def test_run_refuses_an_untrained_decoder_on_a_real_encoder_but_training_starts(resnet_folder: Path, options) -> None:
    with pytest.raises(FoodcapError, match="needs --checkpoint") as error:
        CnnRnnCaptioner.load(options(random_weights=None, model=str(resnet_folder)))
    assert "\n" not in str(error.value)
    assert (
        CnnRnnCaptioner.load_for_training(options(random_weights=None, model=str(resnet_folder))).model.training
        is False
    )


def test_a_missing_encoder_folder_is_one_line(tmp_path: Path, options) -> None:
    with pytest.raises(FoodcapError, match="no such folder") as error:
        CnnRnnCaptioner.load_for_training(options(random_weights=None, model=str(tmp_path / "nowhere" / "resnet")))
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("encoder, decoder", [("resnet18", "gru"), ("resnet50", "lstm"), ("vgg19", "gru")])
def test_random_weights_are_seeded(options, encoder: str, decoder: str) -> None:
    first = CnnRnnCaptioner.load(options(encoder=encoder, decoder=decoder))
    torch.manual_seed(123)  # the global random stream does not matter
    second = CnnRnnCaptioner.load(options(encoder=encoder, decoder=decoder))
    for (name, a), (_, b) in zip(first.model.state_dict().items(), second.model.state_dict().items()):
        assert torch.equal(a, b), name
    recurrent = first.components()["decoder"].recurrent
    assert isinstance(recurrent, torch.nn.LSTM if decoder == "lstm" else torch.nn.GRU)
    images = [Image.new("RGB", (274, 169), colour) for colour in ((200, 40, 30), (40, 160, 60))]
    assert first.caption(images) == second.caption(images)


def test_the_presets_name_the_studys_three_rows() -> None:
    registry = get_registry()
    expected = {
        "cnn-rnn-baseline": ("resnet18", "gru"),
        "cnn-rnn-vgg19": ("vgg19", "gru"),
        "cnn-rnn-lstm": ("resnet18", "lstm"),
        "cnn-rnn": ("resnet18", "gru"),
    }
    for name, (encoder, decoder) in expected.items():
        entry = registry.captioner(name)
        assert entry.obj is CnnRnnCaptioner and entry.source.distribution == "foodcap-cnnrnn"
        options = registry.captioner_options(name, {"tokens": "char"})
        assert isinstance(options, CnnRnnOptions)
        assert (options.encoder, options.decoder, options.tokens) == (encoder, decoder, "char")
        assert options.encoder_id() == DEFAULT_ENCODER_IDS[encoder]
    assert {"none", "encoder", "decoder"} <= set(registry.freeze_policies)


def test_random_full_builds_the_real_resnet18_shape(options) -> None:
    captioner = CnnRnnCaptioner.load(options(random_weights="full"))
    encoder = captioner.components()["encoder"]
    assert sum(p.numel() for p in encoder.parameters()) == 11_176_512  # microsoft/resnet-18 without its classifier
    assert encoder.feature_size == 512
    assert captioner.image_processor.size["shortest_edge"] == 224
