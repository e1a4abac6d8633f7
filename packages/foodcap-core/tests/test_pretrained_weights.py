"""Weights without safetensors: a .bin-only folder loads through torch's weights-only unpickler, a code
payload is refused and never runs, safetensors win where both exist, and run.json learns which file was read."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import ViTConfig, ViTModel

from foodcap.backend import find_weights, load_pretrained_weights
from foodcap.errors import FoodcapError


class CodePayload:
    """Unpickling this runs ``exec``: the marker file appears only if someone fully unpickles it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return exec, (f"open({str(self.marker)!r}, 'w').write('the payload ran')",)


def tiny_vit() -> ViTModel:
    torch.manual_seed(0)
    config = ViTConfig(
        image_size=16, patch_size=8, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32
    )
    return ViTModel(config, add_pooling_layer=False).eval()


def bin_only_folder(folder: Path, model: ViTModel, extra: dict[str, object] | None = None) -> Path:
    """The layout of a pre-safetensors hub repository (nlpconnect/vit-gpt2-image-captioning's): config.json
    and pytorch_model.bin. transformers 5 writes only safetensors, so the .bin is written as older
    transformers wrote it, with torch.save of the state dict."""
    model.save_pretrained(folder)
    (folder / "model.safetensors").unlink()
    torch.save({**model.state_dict(), **(extra or {})}, folder / "pytorch_model.bin")
    return folder


def test_a_bin_only_folder_loads_through_the_weights_only_unpickler_with_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    original = tiny_vit()
    folder = bin_only_folder(tmp_path / "bin-only", original)
    with caplog.at_level(logging.WARNING, logger="foodcap"):
        loaded, weights = load_pretrained_weights(
            ViTModel.from_pretrained, str(folder), "vision model", add_pooling_layer=False
        )
    for name, tensor in original.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name
    assert weights is not None and weights.record() == {
        "source": str(folder),
        "file": "pytorch_model.bin",
        "format": "pickle, read with torch's weights-only unpickler",
        "revision": "local folder",
    }
    notes = [record.getMessage() for record in caplog.records if record.name == "foodcap"]
    assert len(notes) == 1 and "has no safetensors weights" in notes[0] and "\n" not in notes[0]


def test_a_pickle_with_a_code_payload_is_refused_and_the_code_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "payload-ran"
    folder = bin_only_folder(tmp_path / "evil", tiny_vit(), {"bonus": CodePayload(marker)})
    with pytest.raises(FoodcapError) as refused:
        load_pretrained_weights(ViTModel.from_pretrained, str(folder), "vision model", add_pooling_layer=False)
    assert "refused to load vision model" in str(refused.value) and "exec" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert not marker.exists()
    # The payload is live: a full unpickle (which foodcap never does) runs it.
    torch.load(folder / "pytorch_model.bin", weights_only=False)
    assert marker.read_text() == "the payload ran"


def test_safetensors_win_where_both_exist(tmp_path: Path) -> None:
    """A repository with both formats is read from safetensors; its .bin (here a payload) is never opened."""
    model = tiny_vit()
    marker = tmp_path / "payload-ran"
    folder = bin_only_folder(tmp_path / "both", model, {"bonus": CodePayload(marker)})
    model.save_pretrained(folder)  # model.safetensors beside the .bin
    loaded, weights = load_pretrained_weights(ViTModel.from_pretrained, str(folder), add_pooling_layer=False)
    assert weights is not None and weights.file == "model.safetensors" and weights.safetensors
    assert torch.equal(
        loaded.embeddings.patch_embeddings.projection.weight, model.embeddings.patch_embeddings.projection.weight
    )
    assert not marker.exists()


def test_a_file_that_is_no_checkpoint_is_one_line(tmp_path: Path) -> None:
    folder = bin_only_folder(tmp_path / "garbage", tiny_vit())
    (folder / "pytorch_model.bin").write_bytes(b"not a checkpoint")
    with pytest.raises(FoodcapError, match="is not a PyTorch checkpoint"):
        load_pretrained_weights(ViTModel.from_pretrained, str(folder), add_pooling_layer=False)


def test_a_bin_only_hub_repository_loads_offline_from_the_cache_and_records_its_revision(tmp_path: Path) -> None:
    """The study's default model as a user has it after one download: only pytorch_model.bin in the hub cache.
    With use_safetensors=True (foodcap before) this failed offline; no conversion pull request is asked for."""
    revision = "0123456789abcdef0123456789abcdef01234567"
    repository = tmp_path / "hub" / "models--someone--bin-only-vit"
    bin_only_folder(repository / "snapshots" / revision, tiny_vit())
    (repository / "refs").mkdir()
    (repository / "refs" / "main").write_text(revision)
    script = (
        "import json\nfrom transformers import ViTModel\n"
        "from foodcap.backend import load_pretrained_weights\n"
        "model, weights = load_pretrained_weights(ViTModel.from_pretrained, 'someone/bin-only-vit', add_pooling_layer=False)\n"
        "print(json.dumps(weights.record()))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub")}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "source": "someone/bin-only-vit",
        "file": "pytorch_model.bin",
        "format": "pickle, read with torch's weights-only unpickler",
        "revision": revision,
    }


def test_nothing_to_read_is_left_to_from_pretrained_to_explain(tmp_path: Path) -> None:
    assert find_weights(str(tmp_path)) is None
    with pytest.raises(FoodcapError, match="cannot load model"):
        load_pretrained_weights(ViTModel.from_pretrained, str(tmp_path))
