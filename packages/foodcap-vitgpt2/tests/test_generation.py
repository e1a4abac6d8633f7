"""Generation: batching changes nothing, the image matters, defaults stop loops, options override."""

from __future__ import annotations

import pickle

import torch

from foodcap import GenerationOptions
from foodcap_vitgpt2.captioner import GENERATION_DEFAULTS, ViTGPT2Options


def test_batched_captions_equal_one_at_a_time(load_tiny, food_images) -> None:
    for num_beams in (1, 4):
        options = GenerationOptions(num_beams=num_beams, max_new_tokens=10)
        captioner = load_tiny(generation=options)
        batched = captioner.caption(food_images)
        one_by_one = [captioner.caption([image])[0] for image in food_images]
        assert batched == one_by_one
        assert len(set(batched)) >= 4, "different images should mostly get different captions"


def test_the_image_matters(load_tiny, food_images) -> None:
    captioner = load_tiny()
    pixels = captioner.preprocessor()(food_images[:2])["pixel_values"]
    decoder_input_ids = torch.tensor([[captioner.tokenizer.bos_token_id]] * 2)
    with torch.no_grad():
        encoded = captioner.model.encoder(pixel_values=pixels).last_hidden_state
        logits = captioner.model(pixel_values=pixels, decoder_input_ids=decoder_input_ids).logits
    assert not torch.allclose(encoded[0], encoded[1], atol=1e-3)
    assert not torch.allclose(logits[0], logits[1], atol=1e-3)


def test_preprocessor_pickles_and_follows_the_image_processor(load_tiny, food_images) -> None:
    captioner = load_tiny()
    preprocessor = captioner.preprocessor()
    pixels = preprocessor(food_images[:3])["pixel_values"]
    assert pixels.shape == (3, 3, 32, 32)
    assert pixels.min() >= -1.0 and pixels.max() <= 1.0
    restored = pickle.loads(pickle.dumps(preprocessor))
    assert torch.equal(restored(food_images[:3])["pixel_values"], pixels)
    grey = food_images[0].convert("L")
    assert preprocessor([grey])["pixel_values"].shape == (1, 3, 32, 32)


def test_defaults_follow_the_model_card_and_options_override(load_tiny) -> None:
    assert load_tiny().generation_settings() == {
        "num_beams": 4,
        "max_new_tokens": 32,
        "no_repeat_ngram_size": 3,
    }
    # Long enough for every title training keeps (cut at max_title_tokens, EOS included).
    assert GENERATION_DEFAULTS["max_new_tokens"] >= ViTGPT2Options.model_fields["max_title_tokens"].default
    settings = load_tiny(
        generation=GenerationOptions(num_beams=2, repetition_penalty=1.3, no_repeat_ngram_size=0)
    ).generation_settings()
    assert settings == {**GENERATION_DEFAULTS, "num_beams": 2, "repetition_penalty": 1.3, "no_repeat_ngram_size": 0}


def _force_word(captioner, word: str) -> None:
    """Make the decoder predict ``word`` (one token) after anything, everything else tied below it."""
    token_id = captioner.tokenizer.convert_tokens_to_ids(word)
    decoder = captioner.model.decoder
    with torch.no_grad():
        decoder.transformer.ln_f.weight.zero_()
        decoder.transformer.ln_f.bias.fill_(1.0)  # every position's final hidden state is all ones
        decoder.lm_head.weight.zero_()
        decoder.lm_head.weight[token_id] = 1.0  # so that word scores 32 and every other token 0


def test_default_generation_stops_the_onions_loop(load_tiny, food_images) -> None:
    """The study's loop repeats the same few tokens; the default forbids any repeated 3-gram."""
    looping = load_tiny(generation=GenerationOptions(num_beams=1, no_repeat_ngram_size=0))
    _force_word(looping, "ĠOnions")
    assert looping.caption(food_images[:1])[0].split() == ["Onions"] * GENERATION_DEFAULTS["max_new_tokens"]

    default = load_tiny()
    _force_word(default, "ĠOnions")
    pixels = default.preprocessor()(food_images[:1])["pixel_values"]
    token_ids = default.model.generate(pixel_values=pixels, **default.generation_settings())[0].tolist()
    trigrams = list(zip(token_ids, token_ids[1:], token_ids[2:]))
    assert len(set(trigrams)) == len(trigrams)
    assert "Onions Onions Onions Onions" not in default.caption(food_images[:1])[0]


def test_max_new_tokens_caps_the_caption(load_tiny, food_images) -> None:
    captioner = load_tiny(generation=GenerationOptions(max_new_tokens=2, num_beams=1, no_repeat_ngram_size=0))
    _force_word(captioner, "ĠOnions")
    assert captioner.caption(food_images[:2]) == ["Onions Onions"] * 2


def test_generate_leaves_a_training_model_in_training_mode(load_tiny, food_images) -> None:
    captioner = load_tiny()
    captioner.model.train()
    first = captioner.caption(food_images[:2])
    assert captioner.model.training
    assert captioner.caption(food_images[:2]) == first  # dropout was off while generating


def test_batched_beam_search_equals_one_at_a_time_when_beams_finish_at_different_steps(load_tiny, food_images) -> None:
    """Teach three images titles of 1, 3 and 7 words, so in one batch some beams end (EOS) while others go on."""
    titles = ["Soup", "Pickled Red Onions", "Roast Chicken with Lemon and Garlic"]
    captioner = load_tiny(generation=GenerationOptions(num_beams=4, max_new_tokens=20))
    batch = captioner.training_collator()(food_images[:3], titles)
    optimizer = torch.optim.AdamW(captioner.model.parameters(), lr=3e-3)
    captioner.model.train()
    torch.manual_seed(0)
    for _ in range(80):
        optimizer.zero_grad()
        captioner.loss(captioner.model, batch).backward()
        optimizer.step()
    one_by_one = [captioner.caption([image])[0] for image in food_images[:3]]
    assert one_by_one == titles  # each beam search stopped at its own EOS, well before the 20-token cap
    lengths = [len(captioner.tokenizer(title)["input_ids"]) for title in titles]
    assert len(set(lengths)) == 3  # ... at three different steps
    assert captioner.caption(food_images[:3]) == one_by_one
    assert captioner.caption([food_images[2], food_images[0], food_images[1]]) == [titles[2], titles[0], titles[1]]
