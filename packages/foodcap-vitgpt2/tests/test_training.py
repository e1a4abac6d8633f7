"""What `foodcap train` relies on: labels, loss, encoder caching and the freeze policies."""

from __future__ import annotations

import pickle

import pytest
import torch
import torch.nn.functional as F

from foodcap import GenerationOptions, parameter_counts
from foodcap.freeze import FreezeDecoder, FreezeEncoder, TrainEverything
from foodcap_vitgpt2.batches import IGNORED_LABEL

TITLES = ["Matzo Ball Soup", "Roast Chicken with Lemon and Garlic", "Pickled Red Onions"]


def test_labels_keep_eos_and_mask_padding_by_position(load_tiny, food_images) -> None:
    captioner = load_tiny()
    tokenizer = captioner.tokenizer
    batch = captioner.training_collator()(food_images[:3], TITLES)
    labels, mask = batch["labels"], batch["decoder_attention_mask"]
    assert batch["pixel_values"].shape[0] == 3
    assert tokenizer.pad_token_id == tokenizer.eos_token_id  # why padding can't be found by id
    for row, title in enumerate(TITLES):
        ids = tokenizer(title, add_special_tokens=False).input_ids
        length = len(ids) + 1
        assert labels[row, :length].tolist() == ids + [tokenizer.eos_token_id]
        assert mask[row, :length].tolist() == [1] * length
        assert (labels[row, length:] == IGNORED_LABEL).all() and (mask[row, length:] == 0).all()
    assert mask[1].all(), "the longest title fills its row"


def test_titles_are_cut_but_still_end_with_eos(load_tiny, food_images) -> None:
    captioner = load_tiny(max_title_tokens=4)
    labels = captioner.training_collator()(food_images[:1], [TITLES[1]])["labels"]
    assert labels.shape == (1, 4) and labels[0, -1] == captioner.tokenizer.eos_token_id


def test_loss_is_cross_entropy_after_the_start_token(load_tiny, food_images) -> None:
    """The model shifts labels right behind decoder_start; check that against a hand-made shift."""
    captioner = load_tiny()
    model = captioner.model
    batch = captioner.training_collator()(food_images[:3], TITLES)
    labels = batch["labels"]
    start = torch.full((3, 1), model.config.decoder_start_token_id)
    decoder_input_ids = torch.cat([start, labels[:, :-1]], dim=1)
    decoder_input_ids[decoder_input_ids == IGNORED_LABEL] = model.config.pad_token_id
    with torch.no_grad():
        loss = captioner.loss(model, batch)
        logits = model(
            pixel_values=batch["pixel_values"],
            decoder_input_ids=decoder_input_ids,
            decoder_attention_mask=batch["decoder_attention_mask"],
        ).logits
    expected = F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=IGNORED_LABEL)
    torch.testing.assert_close(loss, expected)


def test_training_teaches_a_title_and_where_it_ends(load_tiny, food_images) -> None:
    captioner = load_tiny(generation=GenerationOptions(num_beams=1))
    batch = captioner.training_collator()(food_images[:1], ["Pickled Red Onions"])
    optimizer = torch.optim.AdamW(captioner.model.parameters(), lr=3e-3)
    captioner.model.train()
    torch.manual_seed(0)
    for _ in range(40):
        optimizer.zero_grad()
        captioner.loss(captioner.model, batch).backward()
        optimizer.step()
    assert captioner.caption(food_images[:1]) == ["Pickled Red Onions"]


def test_cached_encoder_states_give_the_same_loss(load_tiny, food_images) -> None:
    """The trainer's cached batches: encode_for_cache's states plus text_batch's labels."""
    captioner = load_tiny()
    batch = captioner.training_collator()(food_images[:3], TITLES)
    assert captioner.encoder_cache_key() == "pixel_values"
    cached = captioner.encode_for_cache({"pixel_values": batch["pixel_values"]})
    assert set(cached) == {"encoder_hidden_states"} and cached["encoder_hidden_states"].shape[0] == 3
    text = captioner.text_batch(TITLES)
    assert text.keys() == {"labels", "decoder_attention_mask"}
    assert all(torch.equal(text[key], batch[key]) for key in text)
    cached_batch = {**cached, **text}
    with torch.no_grad():
        torch.testing.assert_close(
            captioner.loss(captioner.model, cached_batch), captioner.loss(captioner.model, batch)
        )
    # The cached states must be usable in a training step (inference tensors would not be).
    FreezeEncoder().apply(captioner)
    captioner.model.train()
    captioner.loss(captioner.model, cached_batch).backward()
    assert captioner.model.decoder.lm_head.weight.grad is not None


@pytest.mark.parametrize("policy", [TrainEverything(), FreezeEncoder(), FreezeDecoder()], ids=lambda p: p.name)
def test_freeze_policies_leave_frozen_weights_bit_identical(load_tiny, food_images, policy) -> None:
    captioner = load_tiny()
    policy.apply(captioner)
    components = captioner.components()
    frozen = {"none": (), "encoder": ("encoder",), "decoder": ("decoder",)}[policy.name]

    counts = parameter_counts(captioner)
    for name, module in components.items():
        size = sum(p.numel() for p in module.parameters())
        assert counts[name] == (
            {"trainable": 0, "frozen": size} if name in frozen else {"trainable": size, "frozen": 0}
        )
    assert counts["total"]["trainable"] + counts["total"]["frozen"] == sum(
        p.numel() for p in captioner.model.parameters()
    )
    cross_attention = captioner.model.decoder.transformer.h[0].crossattention
    assert all(p.requires_grad == ("decoder" not in frozen) for p in cross_attention.parameters())

    before = {name: p.detach().clone() for name, p in captioner.model.named_parameters()}
    batch = captioner.training_collator()(food_images[:3], TITLES)
    trainable = [p for p in captioner.model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-2)
    captioner.model.train()
    for _ in range(3):
        optimizer.zero_grad()
        captioner.loss(captioner.model, batch).backward()
        optimizer.step()
    for name, parameter in captioner.model.named_parameters():
        component = name.split(".")[0]
        if component in frozen:
            assert torch.equal(parameter, before[name]), name
        else:
            assert not torch.equal(parameter, before[name]), name


def test_collator_pickles(load_tiny, food_images) -> None:
    collator = load_tiny().training_collator()
    restored = pickle.loads(pickle.dumps(collator))
    original, copied = collator(food_images[:2], TITLES[:2]), restored(food_images[:2], TITLES[:2])
    assert original.keys() == copied.keys()
    assert all(torch.equal(original[key], copied[key]) for key in original)
