"""The sequence layout [BOS][prefix][prompt][title][EOS]: labels, loss alignment, pooling and caching."""

from __future__ import annotations

import pickle

import pytest
import torch
import torch.nn.functional as F

from foodcap import FoodcapError
from foodcap_llama.freeze_policy import TrainAdapters
from foodcap_llama.visual_prefix import IGNORE_INDEX


def test_labels_cover_only_title_and_eos(fresh_captioner, dishes):
    captioner = fresh_captioner()
    text = captioner.text
    batch = text(["Lemon Cake", "Blueberry Soup with a Long Garnish"])
    prompt = len(text.prompt_ids)
    assert prompt > 0
    for row in range(2):
        ids, mask, labels = batch["input_ids"][row], batch["attention_mask"][row], batch["labels"][row]
        assert ids[:prompt].tolist() == text.prompt_ids
        assert (labels[:prompt] == IGNORE_INDEX).all()
        length = int(mask.sum())
        assert (labels[prompt:length] == ids[prompt:length]).all()
        assert ids[length - 1] == text.eos_id and labels[length - 1] == text.eos_id
        assert (labels[length:] == IGNORE_INDEX).all() and (mask[length:] == 0).all()
        title = text.tokenizer.decode(ids[prompt : length - 1])
        assert title.strip() == ["Lemon Cake", "Blueberry Soup with a Long Garnish"][row]


def test_titles_are_cut_to_max_title_tokens_but_keep_eos(fresh_captioner):
    captioner = fresh_captioner(max_title_tokens=3)
    batch = captioner.text(["Roast Chicken with Lemon and Garlic and Thyme"])
    labelled = batch["labels"][0][batch["labels"][0] != IGNORE_INDEX]
    assert len(labelled) == 4 and labelled[-1] == captioner.text.eos_id


def test_loss_is_mean_cross_entropy_over_title_and_eos_only(fresh_captioner, dishes):
    """Recompute the loss from full-sequence logits of the bare language model: catches off-by-one shifts."""
    captioner = fresh_captioner()
    network = captioner.model.eval()
    images, titles = zip(*dishes(3, seed=2))
    batch = captioner.training_collator()(list(images), ["Lemon Cake", "Tomato Soup with Basil", "Soup"])
    with torch.no_grad():
        loss = network(**batch).loss
        features = network.encode_images(batch["pixel_values"])
        embeds, mask = network._embed(features, batch["input_ids"], batch["attention_mask"])
        logits = network.language_model(inputs_embeds=embeds, attention_mask=mask).logits
    text_start = embeds.shape[1] - batch["input_ids"].shape[1]
    terms = []
    for row in range(3):
        for position in range(batch["input_ids"].shape[1]):
            label = int(batch["labels"][row, position])
            if label != IGNORE_INDEX:
                # the token at text position p is predicted by the logits one step earlier
                terms.append(F.cross_entropy(logits[row, text_start + position - 1], torch.tensor(label)))
    assert torch.allclose(loss, torch.stack(terms).mean(), atol=1e-5)


def test_padding_does_not_change_a_rows_loss(fresh_captioner, dishes):
    captioner = fresh_captioner()
    network = captioner.model.eval()
    (image, _), (other, _) = dishes(2, seed=3)
    collate = captioner.training_collator()
    with torch.no_grad():
        alone = network(**collate([image], ["Lemon Cake"])).loss
        padded = collate([image, other], ["Lemon Cake", "Tomato Soup with Basil and a Very Long Name"])
        padded["labels"][1] = IGNORE_INDEX  # score only the short, padded row
        together = network(**padded).loss
    assert torch.allclose(alone, together, atol=1e-5)


def test_the_image_reaches_the_language_model(fresh_captioner, dishes):
    captioner = fresh_captioner()
    network = captioner.model.eval()
    (first, _), (second, _) = dishes(2, seed=4)
    collate = captioner.training_collator()
    with torch.no_grad():
        a = network(**collate([first], ["Lemon Cake"])).logits
        b = network(**collate([second], ["Lemon Cake"])).logits
    assert not torch.allclose(a, b)


def test_pooling_to_fewer_prefix_tokens(fresh_captioner, dishes):
    captioner = fresh_captioner(prefix_tokens=4)
    network = captioner.model.eval()
    images, titles = zip(*dishes(2, seed=5))
    pixels = captioner.preprocessor()(list(images))["pixel_values"]
    features = network.encode_images(pixels)
    assert features.shape == (2, 4, network.vision.config.hidden_size)  # 4x4 patch grid -> 2x2
    patches = network.vision(pixel_values=pixels).last_hidden_state[:, 1:]
    grid = patches.reshape(2, 4, 4, -1)
    top_left = grid[:, :2, :2].mean(dim=(1, 2))
    assert torch.allclose(features[:, 0], top_left, atol=1e-6)


def test_more_prefix_tokens_than_patches_is_refused(fresh_captioner):
    with pytest.raises(FoodcapError, match="exceeds the 16 patches"):
        fresh_captioner(prefix_tokens=25)


def test_cached_encoder_outputs_give_the_same_loss_as_pixels(fresh_captioner, dishes):
    captioner = fresh_captioner(prefix_tokens=4)
    network = captioner.model.eval()
    images, titles = zip(*dishes(3, seed=6))
    batch = captioner.training_collator()(list(images), list(titles))
    cached = captioner.encode_for_cache(captioner.preprocessor()(list(images)))
    assert captioner.encoder_cache_key() == "pixel_values"
    with torch.no_grad():
        from_pixels = network(**batch).loss
        from_cache = captioner.loss(network, {**cached, **captioner.text_batch(list(titles))})
    assert torch.allclose(from_pixels, from_cache)


def test_gradient_checkpointing_gives_the_same_gradients(fresh_captioner, dishes):
    images, titles = zip(*dishes(4, seed=7))
    gradients = []
    for checkpointing in (False, True):
        captioner = fresh_captioner(seed=3, gradient_checkpointing=checkpointing, lora={"dropout": 0.0})
        flags = [getattr(m, "gradient_checkpointing", False) for m in captioner.model.modules()]
        assert any(flags) is checkpointing
        TrainAdapters().apply(captioner)
        network = captioner.model.train()
        batch = captioner.training_collator()(list(images), list(titles))
        captioner.loss(network, batch).backward()
        gradients.append(network.projector.layers[0].weight.grad.clone())
    assert torch.allclose(gradients[0], gradients[1], atol=1e-6)


def test_collator_and_preprocessor_pickle_for_dataloader_workers(fresh_captioner, dishes):
    captioner = fresh_captioner()
    images, titles = zip(*dishes(3, seed=8))
    collator = pickle.loads(pickle.dumps(captioner.training_collator()))
    preprocessor = pickle.loads(pickle.dumps(captioner.preprocessor()))
    expected = captioner.training_collator()(list(images), list(titles))
    copied = collator(list(images), list(titles))
    assert expected.keys() == copied.keys() and all(torch.equal(expected[k], copied[k]) for k in expected)
    assert torch.equal(preprocessor(list(images))["pixel_values"], expected["pixel_values"])
