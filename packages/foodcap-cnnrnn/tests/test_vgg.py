"""VGG19 weights in torchvision's and timm's layouts load into the own module and compute the same features."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import save_file

from foodcap import FoodcapError
from foodcap_cnnrnn import encoders
from foodcap_cnnrnn.captioner import CnnRnnCaptioner
from foodcap_cnnrnn.vgg import SHAPES, VGG19, VGGShape, load_vgg19_weights, renamed_state_dict

# Narrow, but with a 2x2 grid before fc6, so the flattening order of timm's 2x2 "fc1" convolution matters.
SHAPE = VGGShape((4, 8, 8, 8, 8), fc_width=16, pool_side=2, image_size=64)
CONVOLUTIONS = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34]  # torchvision's vgg19 indices


def reference_weights(seed: int = 0) -> dict[str, torch.Tensor]:
    """Random weights of a VGG19 in torchvision's layout (conv indices, ``classifier.0/3/6``)."""
    generator = torch.Generator().manual_seed(seed)
    weights: dict[str, torch.Tensor] = {}
    channels, layer = 3, iter(CONVOLUTIONS)
    for width, convolutions in zip(SHAPE.stage_widths, (2, 2, 4, 4, 4)):
        for _ in range(convolutions):
            index = next(layer)
            he = (2 / (9 * channels)) ** 0.5  # activations stay about 1 through the sixteen layers
            weights[f"features.{index}.weight"] = torch.randn(width, channels, 3, 3, generator=generator) * he
            weights[f"features.{index}.bias"] = torch.randn(width, generator=generator) * 0.1
            channels = width
    fc = SHAPE.fc_width
    for name, shape in (
        ("classifier.0", (fc, channels * SHAPE.pool_side**2)),
        ("classifier.3", (fc, fc)),
        ("classifier.6", (10, fc)),
    ):
        weights[f"{name}.weight"] = torch.randn(*shape, generator=generator) * (2 / shape[1]) ** 0.5
        weights[f"{name}.bias"] = torch.randn(shape[0], generator=generator) * 0.1
    return weights


def timm_layout(torchvision: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """What timm's checkpoint filter makes of torchvision's weights: fc6/fc7 as convolutions, fc8 as head.fc."""
    side, fc = SHAPE.pool_side, SHAPE.fc_width
    timm = {key: value for key, value in torchvision.items() if key.startswith("features.")}
    timm["pre_logits.fc1.weight"] = torchvision["classifier.0.weight"].reshape(fc, -1, side, side)
    timm["pre_logits.fc1.bias"] = torchvision["classifier.0.bias"]
    timm["pre_logits.fc2.weight"] = torchvision["classifier.3.weight"].reshape(fc, fc, 1, 1)
    timm["pre_logits.fc2.bias"] = torchvision["classifier.3.bias"]
    timm["head.fc.weight"], timm["head.fc.bias"] = torchvision["classifier.6.weight"], torchvision["classifier.6.bias"]
    return timm


def timm_style_features(weights: dict[str, torch.Tensor], pixels: torch.Tensor) -> torch.Tensor:
    """fc7 computed the way timm's VGG does it (convolutions over the grid), independently of VGG19."""
    x = pixels
    for index in CONVOLUTIONS:
        x = F.relu(F.conv2d(x, weights[f"features.{index}.weight"], weights[f"features.{index}.bias"], padding=1))
        if index in (2, 7, 16, 25, 34):  # the last convolution of each stage
            x = F.max_pool2d(x, 2)
    x = F.relu(F.conv2d(x, weights["pre_logits.fc1.weight"], weights["pre_logits.fc1.bias"]))
    x = F.relu(F.conv2d(x, weights["pre_logits.fc2.weight"], weights["pre_logits.fc2.bias"]))
    return x.flatten(1)


@pytest.mark.parametrize("layout", ["torchvision", "timm"])
def test_a_checkpoint_in_either_layout_loads_and_gives_the_reference_features(tmp_path: Path, layout: str) -> None:
    torchvision = reference_weights()
    saved = torchvision if layout == "torchvision" else timm_layout(torchvision)
    folder = tmp_path / layout
    folder.mkdir()
    save_file(saved, str(folder / "model.safetensors"))

    network = VGG19(SHAPE).eval()
    load_vgg19_weights(network, str(folder))
    assert torch.equal(network.features[34].weight, torchvision["features.34.weight"])
    assert torch.equal(network.fc6.weight, torchvision["classifier.0.weight"])
    assert torch.equal(network.fc7.bias, torchvision["classifier.3.bias"])
    pixels = torch.randn(3, 3, SHAPE.image_size, SHAPE.image_size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = timm_style_features(timm_layout(torchvision), pixels)
        torch.testing.assert_close(network(pixels), expected)
    assert expected.abs().sum() > 0


def test_the_renaming_keeps_features_and_drops_only_the_imagenet_classifier() -> None:
    renamed = renamed_state_dict(timm_layout(reference_weights()))
    assert set(renamed) == set(VGG19(SHAPE).state_dict())
    assert renamed["fc6.weight"].shape == (SHAPE.fc_width, 8 * SHAPE.pool_side**2)
    assert renamed["fc7.weight"].shape == (SHAPE.fc_width, SHAPE.fc_width)


def test_the_full_shape_has_torchvision_vgg19s_parameter_count_without_fc8() -> None:
    network = VGG19(SHAPES["full"])
    assert sum(p.numel() for p in network.parameters()) == 143_667_240 - (4096 * 1000 + 1000)
    assert network.fc6.in_features == 512 * 7 * 7


def test_a_foreign_key_is_one_line(tmp_path: Path) -> None:
    weights = {**reference_weights(), "layer1.0.conv1.weight": torch.zeros(1)}  # a ResNet's
    save_file(weights, str(tmp_path / "model.safetensors"))
    with pytest.raises(FoodcapError, match="unknown key 'layer1.0.conv1.weight'") as error:
        load_vgg19_weights(VGG19(SHAPE), str(tmp_path))
    assert "\n" not in str(error.value)


def test_weights_of_another_shape_are_one_line(tmp_path: Path) -> None:
    save_file(reference_weights(), str(tmp_path / "vgg.safetensors"))  # a file path works too
    with pytest.raises(FoodcapError, match="do(es)? not fit.*size mismatch") as error:
        load_vgg19_weights(VGG19(SHAPES["tiny"]), str(tmp_path / "vgg.safetensors"))
    assert "\n" not in str(error.value)


def test_torchvisions_pth_file_is_read_with_the_weights_only_unpickler(tmp_path: Path) -> None:
    torchvision = reference_weights(seed=5)
    torch.save(torchvision, tmp_path / "vgg19-dcbb9e9d.pth")  # as torchvision publishes its weights
    network = VGG19(SHAPE)
    load_vgg19_weights(network, str(tmp_path / "vgg19-dcbb9e9d.pth"))
    assert torch.equal(network.fc7.weight, torchvision["classifier.3.weight"])


class CodePayload:
    """Unpickling this runs ``exec``: the marker file appears only if someone fully unpickles it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return exec, (f"open({str(self.marker)!r}, 'w').write('ran')",)


def test_a_pickle_that_names_code_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "payload-ran"
    torch.save({**reference_weights(), "bonus": CodePayload(marker)}, tmp_path / "pytorch_model.bin")
    with pytest.raises(FoodcapError, match="refused to read .*weights-only unpickler") as error:
        load_vgg19_weights(VGG19(SHAPE), str(tmp_path))  # a folder with only pytorch_model.bin
    assert "\n" not in str(error.value) and not marker.exists()


def test_a_folder_without_weights_or_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(FoodcapError, match="holds no VGG19 weights"):
        load_vgg19_weights(VGG19(SHAPE), str(tmp_path))
    with pytest.raises(FoodcapError, match="no such folder") as error:
        load_vgg19_weights(VGG19(SHAPE), str(tmp_path / "missing" / "vgg19"))
    assert "\n" not in str(error.value)


def test_the_vgg19_captioner_loads_a_timm_layout_folder_given_as_model(tmp_path: Path, options, monkeypatch) -> None:
    """``-o encoder=vgg19 --model FOLDER``: the captioner reads the folder's weights (at this test's small shape)."""
    monkeypatch.setitem(encoders.VGG_SHAPES, "full", SHAPE)
    torchvision = reference_weights(seed=4)
    save_file(timm_layout(torchvision), str(tmp_path / "model.safetensors"))
    captioner = CnnRnnCaptioner.load_for_training(options(random_weights=None, encoder="vgg19", model=str(tmp_path)))
    encoder = captioner.components()["encoder"]
    assert torch.equal(encoder.fc6.weight, torchvision["classifier.0.weight"])
    assert torch.equal(encoder.features[0].weight, torchvision["features.0.weight"])
    pixels = captioner.preprocessor()([Image.new("RGB", (274, 169), (200, 40, 30))])["pixel_values"]
    assert pixels.shape == (1, 3, SHAPE.image_size, SHAPE.image_size)
    assert captioner.describe()["weights"] == {
        "source": str(tmp_path),
        "file": "model.safetensors",
        "format": "safetensors",
    }
