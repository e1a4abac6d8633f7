"""What `foodcap train` relies on: the loss, the freeze policies, encoder caching, and the image mattering."""

from __future__ import annotations

import pickle

import pytest
import torch
import torch.nn.functional as F

from foodcap import parameter_counts
from foodcap.freeze import FreezeDecoder, FreezeEncoder, TrainEverything
from foodcap_cnnrnn.network import IGNORED_LABEL
from foodcap_cnnrnn.vocabulary import BOS_ID

from conftest import mean_loss, new_captioner, train_steps

TITLES = ["Tomato Soup with Basil", "Lemon Tart", "Beet Pasta with Feta"]


def test_the_loss_is_cross_entropy_on_the_next_token(sample_pairs) -> None:
    pairs = sample_pairs["train"][:3]
    captioner = new_captioner(TITLES, decoder="lstm")
    batch = captioner.training_collator()([image for image, _ in pairs], TITLES)
    assert (batch["input_ids"][:, 0] == BOS_ID).all()
    with torch.no_grad():
        loss = captioner.loss(captioner.model, batch)
        decoder = captioner.network.decoder
        state = decoder.initial_state(captioner.network.encode(batch["pixel_values"]))
        logits, _ = decoder(batch["input_ids"], state)
    expected = F.cross_entropy(logits.flatten(0, 1), batch["labels"].flatten(), ignore_index=IGNORED_LABEL)
    torch.testing.assert_close(loss, expected)
    assert (batch["labels"] == IGNORED_LABEL).any()  # padding was there and left out


def test_the_vocabulary_is_learnt_from_the_titles_given() -> None:
    captioner = new_captioner(TITLES)
    assert captioner.vocabulary.items[4:] == [
        "with",
        "Basil",
        "Beet",
        "Feta",
        "Lemon",
        "Pasta",
        "Soup",
        "Tart",
        "Tomato",
    ]
    decoder = captioner.components()["decoder"]
    assert decoder.embedding.num_embeddings == decoder.output.out_features == len(captioner.vocabulary)


@pytest.mark.parametrize("policy", [TrainEverything(), FreezeEncoder(), FreezeDecoder()], ids=lambda p: p.name)
def test_frozen_parts_stay_bit_identical_and_the_rest_trains(sample_pairs, policy) -> None:
    pairs = sample_pairs["train"][:16]
    captioner = new_captioner([title for _, title in pairs])
    policy.apply(captioner)
    frozen = {"none": (), "encoder": ("encoder",), "decoder": ("decoder",)}[policy.name]
    counts = parameter_counts(captioner)
    for name, module in captioner.components().items():
        size = sum(p.numel() for p in module.parameters())
        assert counts[name] == (
            {"trainable": 0, "frozen": size} if name in frozen else {"trainable": size, "frozen": 0}
        )
    assert counts["total"]["trainable"] + counts["total"]["frozen"] == sum(
        p.numel() for p in captioner.model.parameters()
    )

    # state_dict: parameters and buffers (the ResNet's batch-norm statistics) alike.
    before = {name: tensor.clone() for name, tensor in captioner.model.state_dict().items()}
    train_steps(captioner, pairs, steps=3, batch_size=8)
    after = captioner.model.state_dict()
    parameters = dict(captioner.model.named_parameters())
    for name, tensor in after.items():
        if name.split(".")[0] in frozen or name not in parameters or name == "decoder.embedding.weight":
            continue
        assert not torch.equal(tensor, before[name]), f"{name} did not train"
    for name, tensor in after.items():
        if name.split(".")[0] in frozen or name not in parameters:  # frozen, or a buffer
            assert torch.equal(tensor, before[name]), f"{name} changed"
    assert any("running_mean" in name for name in after), "the encoder has batch-norm statistics to keep"


def test_a_frozen_encoder_stays_in_evaluation_mode_while_the_decoder_trains() -> None:
    captioner = new_captioner(TITLES, encoder="vgg19", dropout=0.3)
    FreezeEncoder().apply(captioner)
    captioner.model.train()
    assert not captioner.network.encoder.training and captioner.network.decoder.training
    TrainEverything().apply(captioner)
    captioner.model.train()
    encoder = captioner.network.encoder
    assert encoder.training and encoder.dropout.training


def test_cached_features_give_the_same_loss_and_train_the_decoder(sample_pairs) -> None:
    pairs = sample_pairs["train"][:3]
    captioner = new_captioner(TITLES)
    FreezeEncoder().apply(captioner)
    batch = captioner.training_collator()([image for image, _ in pairs], TITLES)
    assert captioner.encoder_cache_key() == "pixel_values"
    cached = captioner.encode_for_cache({"pixel_values": batch["pixel_values"]})
    assert set(cached) == {"image_features"} and cached["image_features"].shape == (3, 32)
    text = captioner.text_batch(TITLES)
    assert text.keys() == {"input_ids", "labels"} and all(torch.equal(text[key], batch[key]) for key in text)
    with torch.no_grad():
        torch.testing.assert_close(
            captioner.loss(captioner.model, {**cached, **text}), captioner.loss(captioner.model, batch)
        )
    captioner.model.train()
    captioner.loss(captioner.model, {**cached, **text}).backward()  # no inference tensors in the cache
    assert captioner.network.decoder.output.weight.grad is not None


def test_training_lowers_val_loss_and_beats_the_shuffled_image_control(trained, sample_pairs) -> None:
    """The image matters: the same training (``trained``'s) with every title paired with another dish's
    picture learns the titles' words just as well, so only a model that reads the image does better
    on unseen images."""
    train, held_out = sample_pairs["train"], sample_pairs["val"] + sample_pairs["test"]
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(32)).tolist()
    shuffled = [(train[i][0], train[j][1]) for i, j in enumerate(order)]
    control = new_captioner([title for _, title in train])
    untrained = mean_loss(control, held_out)
    train_steps(control, shuffled, steps=200, lr=3e-3)
    losses = {"untrained": untrained, "grounded": mean_loss(trained, held_out), "control": mean_loss(control, held_out)}
    assert losses["grounded"] < losses["untrained"] - 1.0, losses
    assert losses["grounded"] < losses["control"] - 0.08, losses


def test_the_collator_pickles(sample_pairs) -> None:
    images = [image for image, _ in sample_pairs["train"][:2]]
    collator = new_captioner(TITLES).training_collator()
    restored = pickle.loads(pickle.dumps(collator))
    original, copied = collator(images, TITLES[:2]), restored(images, TITLES[:2])
    assert original.keys() == copied.keys() and all(torch.equal(original[k], copied[k]) for k in original)
