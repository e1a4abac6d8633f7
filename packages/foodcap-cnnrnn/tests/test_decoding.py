"""Greedy and beam-search decoding: exact against brute force, batch-invariant, capped."""

from __future__ import annotations

import itertools

import pytest
import torch

from foodcap import GenerationOptions
from foodcap_cnnrnn.decoding import NEVER_CHOSEN, DecodingSettings, beam_search, greedy
from foodcap_cnnrnn.network import DecoderShape, TitleDecoder
from foodcap_cnnrnn.vocabulary import BOS_ID, EOS_ID


def small_decoder(kind: str = "gru", vocabulary: int = 7, seed: int = 0) -> TitleDecoder:
    """A random decoder with a small vocabulary whose distributions are far from uniform."""
    torch.manual_seed(seed)
    decoder = TitleDecoder(
        DecoderShape(
            kind, feature_size=5, vocabulary_size=vocabulary, embedding_size=6, hidden_size=8, num_layers=2, dropout=0.0
        )
    ).eval()
    with torch.no_grad():
        decoder.output.weight.mul_(6.0)
    return decoder


@torch.no_grad()
def sequence_log_prob(decoder: TitleDecoder, feature: torch.Tensor, ids: list[int]) -> float:
    """Teacher-forced log-probability of ``ids`` after ``<bos>``, one forward pass."""
    logits, _ = decoder(torch.tensor([[BOS_ID, *ids[:-1]]]), decoder.initial_state(feature[None]))
    log_probs = torch.log_softmax(logits[0].float(), dim=-1)
    return float(sum(log_probs[position, token] for position, token in enumerate(ids)))


def best_by_brute_force(decoder: TitleDecoder, feature: torch.Tensor, vocabulary: int, cap: int) -> list[int]:
    """Every title that ends in ``<eos>`` within the cap, or runs to the cap without one."""
    words = [token for token in range(vocabulary) if token != EOS_ID and token not in NEVER_CHOSEN]
    candidates = [[*body, EOS_ID] for length in range(cap) for body in itertools.product(words, repeat=length)]
    candidates += [list(body) for body in itertools.product(words, repeat=cap)]
    return max(candidates, key=lambda ids: sequence_log_prob(decoder, feature, ids))


@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_wide_beam_search_finds_the_most_likely_title(kind: str) -> None:
    """With no length normalisation, enough beams make the search exhaustive: it must match brute force."""
    vocabulary, cap = 8, 3  # 4 words besides the special tokens
    decoder = small_decoder(kind, vocabulary, seed=2)
    with torch.no_grad():
        decoder.output.bias[EOS_ID] -= 2.0  # some titles end early, some run to the cap
    features = torch.randn(6, 5, generator=torch.Generator().manual_seed(1))
    settings = DecodingSettings(max_new_tokens=cap, num_beams=vocabulary**cap, length_penalty=0.0)
    found = beam_search(decoder, features, settings)
    for feature, ids in zip(features, found):
        expected = best_by_brute_force(decoder, feature, vocabulary, cap)
        assert ids == expected
    assert all(not set(ids) & set(NEVER_CHOSEN) for ids in found)
    assert len({len(ids) for ids in found}) > 1, found  # titles of several lengths were compared


def test_one_beam_is_greedy_and_more_beams_find_likelier_titles() -> None:
    decoder = small_decoder(vocabulary=9, seed=3)
    features = torch.randn(16, 5, generator=torch.Generator().manual_seed(2))
    greedy_ids = greedy(decoder, features, DecodingSettings(max_new_tokens=6))
    assert beam_search(decoder, features, DecodingSettings(max_new_tokens=6, num_beams=1)) == greedy_ids
    beamed = beam_search(decoder, features, DecodingSettings(max_new_tokens=6, num_beams=4, length_penalty=0.0))
    scores = [
        (sequence_log_prob(decoder, f, b), sequence_log_prob(decoder, f, g))
        for f, b, g in zip(features, beamed, greedy_ids)
    ]
    assert all(beam >= best - 1e-5 for beam, best in scores)
    assert any(beam > best + 1e-3 for beam, best in scores), "beams never beat greedy: the test shows nothing"


@pytest.mark.parametrize("num_beams", [1, 3])
def test_a_batch_captions_as_its_images_do_one_at_a_time(trained, sample_pairs, num_beams: int) -> None:
    images = [image for image, _ in sample_pairs["val"][:16]]
    trained.options.generation = GenerationOptions(num_beams=num_beams)
    try:
        batched = trained.caption(images, batch_size=12)
        alone = [trained.caption([image])[0] for image in images]
    finally:
        trained.options.generation = GenerationOptions()
    assert batched == alone
    assert len(set(batched)) >= 3, batched  # the images make a difference


def test_titles_stop_at_the_cap_and_repeated_ngrams_are_blocked() -> None:
    decoder = small_decoder(vocabulary=5, seed=4)
    with torch.no_grad():
        decoder.output.bias[EOS_ID] = -100.0  # never ends on its own
    features = torch.randn(3, 5, generator=torch.Generator().manual_seed(5))
    for ids in greedy(decoder, features, DecodingSettings(max_new_tokens=7)):
        assert len(ids) == 7 and EOS_ID not in ids
    for beams in (1, 3):
        for ids in beam_search(
            decoder, features, DecodingSettings(max_new_tokens=8, num_beams=beams, no_repeat_ngram_size=2)
        ):
            pairs = list(zip(ids, ids[1:]))
            assert len(pairs) == len(set(pairs)), ids


def test_the_title_cap_is_the_default_length(options) -> None:
    from foodcap_cnnrnn.captioner import CnnRnnCaptioner

    captioner = CnnRnnCaptioner.load(options(max_title_tokens=5))
    assert captioner.decoding_settings() == DecodingSettings(max_new_tokens=6)
    captioner.options.generation = GenerationOptions(num_beams=2, max_new_tokens=3)
    assert captioner.decoding_settings() == DecodingSettings(max_new_tokens=3, num_beams=2)
    assert CnnRnnCaptioner.load(options(tokens="char")).decoding_settings().max_new_tokens == 121
