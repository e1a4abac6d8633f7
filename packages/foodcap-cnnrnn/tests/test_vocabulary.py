"""The vocabulary (train split only, deterministic ids) and the title batches built with it."""

from __future__ import annotations

import pickle

import pytest
import torch

from foodcap_cnnrnn.batches import TitleIds
from foodcap_cnnrnn.network import IGNORED_LABEL
from foodcap_cnnrnn.vocabulary import BOS_ID, EOS_ID, PAD_ID, SPECIAL_TOKENS, UNK_ID, TitleVocabulary

TRAIN = ["Tomato Soup", "Tomato Tart with Basil", "Lemon Tart", "Lemon Cake with Basil", "Tomato Cake"]


def test_words_ranked_by_train_frequency_then_alphabetically() -> None:
    vocabulary = TitleVocabulary.from_titles(TRAIN, "word", max_size=100)
    assert vocabulary.items[: len(SPECIAL_TOKENS)] == list(SPECIAL_TOKENS)
    assert vocabulary.items[len(SPECIAL_TOKENS) :] == [
        "Tomato",  # 3
        "Basil",
        "Cake",
        "Lemon",
        "Tart",
        "with",  # 2 each, alphabetical
        "Soup",  # 1
    ]
    assert TitleVocabulary.from_titles(list(reversed(TRAIN)), "word", max_size=100) == vocabulary


def test_size_and_count_limits_keep_the_most_frequent() -> None:
    assert TitleVocabulary.from_titles(TRAIN, "word", max_size=2).items[4:] == ["Tomato", "Basil"]
    assert TitleVocabulary.from_titles(TRAIN, "word", max_size=100, min_count=3).items[4:] == ["Tomato"]


def test_words_outside_the_train_split_read_as_unknown() -> None:
    vocabulary = TitleVocabulary.from_titles(TRAIN, "word", max_size=100)
    ids = vocabulary.encode("Tomato Risotto with Basil")
    assert ids == [vocabulary.ids["Tomato"], UNK_ID, vocabulary.ids["with"], vocabulary.ids["Basil"]]
    assert "Risotto" not in vocabulary.items
    assert vocabulary.decode(ids) == "Tomato with Basil"  # <unk> is never written out


@pytest.mark.parametrize("tokens", ["word", "char"])
def test_titles_decode_back_and_stop_at_eos(tokens) -> None:
    title = 'Mom\'s "Classic" Tomato-Basil   Soup (Easy)'
    vocabulary = TitleVocabulary.from_titles([title], tokens, max_size=1000)
    ids = vocabulary.encode(title)
    assert UNK_ID not in ids
    assert vocabulary.decode([*ids, EOS_ID, *ids]) == 'Mom\'s "Classic" Tomato-Basil Soup (Easy)'


def test_characters_are_ranked_like_words() -> None:
    assert TitleVocabulary.from_titles(["ab", "ba", "a"], "char", max_size=10).items[4:] == ["a", "b"]


def test_a_vocabulary_without_its_special_tokens_is_refused() -> None:
    with pytest.raises(ValueError, match="starts with"):
        TitleVocabulary("word", ["Tomato", *SPECIAL_TOKENS])
    with pytest.raises(ValueError, match="once"):
        TitleVocabulary("word", [*SPECIAL_TOKENS, "Tomato", "Tomato"])


def test_title_ids_shift_by_one_and_pad_after_eos() -> None:
    vocabulary = TitleVocabulary.from_titles(TRAIN, "word", max_size=100)
    batch = TitleIds(vocabulary, max_title_tokens=24)(["Lemon Tart", "Tomato Tart with Basil"])
    short = vocabulary.encode("Lemon Tart")
    assert batch["input_ids"][0].tolist() == [BOS_ID, *short, PAD_ID, PAD_ID]
    assert batch["labels"][0].tolist() == [*short, EOS_ID, IGNORED_LABEL, IGNORED_LABEL]
    long = vocabulary.encode("Tomato Tart with Basil")
    assert batch["input_ids"][1].tolist() == [BOS_ID, *long]
    assert batch["labels"][1].tolist() == [*long, EOS_ID]
    # Every label is the next input: the decoder predicts the title one token ahead.
    assert torch.equal(batch["input_ids"][1, 1:], batch["labels"][1, :-1])


def test_long_titles_are_cut_and_still_end_with_eos() -> None:
    vocabulary = TitleVocabulary.from_titles(TRAIN, "word", max_size=100)
    labels = TitleIds(vocabulary, max_title_tokens=2)(["Tomato Tart with Basil"])["labels"]
    assert labels.tolist() == [[vocabulary.ids["Tomato"], vocabulary.ids["Tart"], EOS_ID]]


def test_title_ids_pickle_for_dataloader_workers() -> None:
    text = TitleIds(TitleVocabulary.from_titles(TRAIN, "char", max_size=100), max_title_tokens=40)
    restored = pickle.loads(pickle.dumps(text))
    assert all(torch.equal(a, b) for a, b in zip(text(TRAIN).values(), restored(TRAIN).values()))
