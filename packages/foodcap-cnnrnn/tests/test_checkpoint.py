"""Checkpoint = decoder (and a trained encoder) as safetensors + one JSON config; load rebuilds the same captioner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from foodcap import FoodcapError
from foodcap.freeze import FreezeEncoder
from foodcap_cnnrnn.captioner import CnnRnnCaptioner
from foodcap_cnnrnn.checkpoint import CONFIG_FILE, DECODER_FILE, ENCODER_FILE

from conftest import new_captioner, tiny_options, train_steps


def logits(captioner: CnnRnnCaptioner, pairs) -> torch.Tensor:
    batch = captioner.training_collator()([image for image, _ in pairs], [title for _, title in pairs])
    with torch.no_grad():
        return captioner.model.eval()(**batch).logits


def saved_files(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


@pytest.fixture(scope="module")
def frozen_encoder_model(sample_pairs):
    """An LSTM over characters trained on a frozen tiny VGG19, as `--freeze encoder` leaves it."""
    train = sample_pairs["train"][:32]
    captioner = new_captioner(
        [title for _, title in train], encoder="vgg19", decoder="lstm", tokens="char", num_layers=2, max_title_tokens=40
    )
    FreezeEncoder().apply(captioner)
    train_steps(captioner, train, steps=3, batch_size=8)
    return captioner


def test_round_trip_gives_identical_logits_and_captions(frozen_encoder_model, sample_pairs, tmp_path) -> None:
    frozen_encoder_model.save_checkpoint(tmp_path)
    assert saved_files(tmp_path) == {CONFIG_FILE, DECODER_FILE}  # the encoder did not train: not copied
    # The preset's architecture (ResNet-18, GRU, words) gives way to the checkpoint's.
    loaded = CnnRnnCaptioner.load(
        tiny_options(checkpoint=tmp_path, random_weights=None, encoder="resnet18", decoder="gru", tokens="word")
    )
    assert (loaded.options.encoder, loaded.options.decoder, loaded.options.tokens) == ("vgg19", "lstm", "char")
    assert loaded.options.random_weights == "tiny" and loaded.options.num_layers == 2
    assert loaded.vocabulary == frozen_encoder_model.vocabulary
    pairs = sample_pairs["val"][:4]
    assert torch.equal(logits(frozen_encoder_model, pairs), logits(loaded, pairs))
    images = [image for image, _ in pairs]
    assert loaded.caption(images) == frozen_encoder_model.caption(images)


def test_the_config_holds_the_architecture_and_the_train_vocabulary(frozen_encoder_model, tmp_path) -> None:
    frozen_encoder_model.save_checkpoint(tmp_path)
    config = json.loads((tmp_path / CONFIG_FILE).read_text())
    assert config["vocabulary"] == frozen_encoder_model.vocabulary.items
    assert config["vocabulary"][:4] == ["<pad>", "<bos>", "<eos>", "<unk>"]
    expected = {
        "encoder": "vgg19",
        "encoder_weights": None,
        "random_weights": "tiny",
        "encoder_trained": False,
        "feature_size": 64,
        "decoder": "lstm",
        "tokens": "char",
        "embedding_size": 32,
        "hidden_size": 64,
        "num_layers": 2,
        "dropout": 0.0,
        "max_title_tokens": 40,
    }
    assert {key: config[key] for key in expected} == expected


def test_a_trained_encoder_is_saved_and_kept_through_further_frozen_training(sample_pairs, tmp_path) -> None:
    train = sample_pairs["train"][:16]
    captioner = new_captioner([title for _, title in train])
    train_steps(captioner, train, steps=2, batch_size=8)  # everything trains
    captioner.save_checkpoint(tmp_path / "first")
    assert ENCODER_FILE in saved_files(tmp_path / "first")
    fresh = CnnRnnCaptioner.load(tiny_options())
    first = CnnRnnCaptioner.load(tiny_options(checkpoint=tmp_path / "first"))
    trained_weights = captioner.network.encoder.state_dict()
    assert all(torch.equal(first.network.encoder.state_dict()[k], v) for k, v in trained_weights.items())
    assert not torch.equal(
        fresh.network.encoder.state_dict()["resnet.embedder.embedder.convolution.weight"],
        trained_weights["resnet.embedder.embedder.convolution.weight"],
    )

    # Training on from it with the encoder frozen: its weights are still not the random ones, so they stay saved.
    again = CnnRnnCaptioner.load_for_training(tiny_options(checkpoint=tmp_path / "first"))
    again.learn_vocabulary(["Something Else Entirely"])  # a checkpoint keeps the vocabulary it was trained with
    assert again.vocabulary == captioner.vocabulary
    FreezeEncoder().apply(again)
    again.save_checkpoint(tmp_path / "second")
    assert json.loads((tmp_path / "second" / CONFIG_FILE).read_text())["encoder_trained"]
    second = CnnRnnCaptioner.load(tiny_options(checkpoint=tmp_path / "second"))
    assert all(torch.equal(second.network.encoder.state_dict()[k], v) for k, v in trained_weights.items())


def test_no_weight_file_is_a_pickle(frozen_encoder_model, tmp_path) -> None:
    frozen_encoder_model.save_checkpoint(tmp_path)
    assert all(path.suffix in {".json", ".safetensors"} for path in tmp_path.iterdir())


def test_a_folder_that_is_no_checkpoint_is_one_line(tmp_path) -> None:
    with pytest.raises(FoodcapError, match="not a cnn-rnn checkpoint") as error:
        CnnRnnCaptioner.load(tiny_options(checkpoint=tmp_path))
    assert "\n" not in str(error.value)


def test_weights_that_do_not_fit_the_config_are_one_line(frozen_encoder_model, tmp_path) -> None:
    frozen_encoder_model.save_checkpoint(tmp_path)
    config = json.loads((tmp_path / CONFIG_FILE).read_text())
    config["hidden_size"] = 48
    (tmp_path / CONFIG_FILE).write_text(json.dumps(config))
    with pytest.raises(FoodcapError, match="does not fit this model.*size mismatch") as error:
        CnnRnnCaptioner.load(tiny_options(checkpoint=tmp_path))
    assert "\n" not in str(error.value)
