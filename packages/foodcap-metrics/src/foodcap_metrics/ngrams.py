"""N-gram counts of a tokenized corpus, counted once and shared by BLEU-1..4 and CIDEr-D."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .corpus import Corpus, Tokenized, bleu_13a, coco_words

MAX_ORDER = 4

Counts = dict[tuple[str, ...], int]
NgramCounts = tuple[Counts, ...]
"""One dict per order (1-grams first), in order of first occurrence, as pycocoevalcap's precook inserts."""


def _count(grams: list[tuple[str, ...]]) -> Counts:
    counts = dict.fromkeys(grams, 1)
    if len(counts) != len(grams):  # a repeated n-gram: count properly (rare in captions)
        counts = {}
        for gram in grams:
            counts[gram] = counts.get(gram, 0) + 1
    return counts


def ngram_counts(words: Sequence[str]) -> NgramCounts:
    """Counts of the 1..4-grams of ``words`` (n-grams as tuples), one dict per order."""
    second, third, fourth = words[1:], words[2:], words[3:]
    return (
        _count(list(zip(words))),
        _count(list(zip(words, second))),
        _count(list(zip(words, second, third))),
        _count(list(zip(words, second, third, fourth))),
    )


class CorpusNgrams:
    """Each prediction's n-gram counts and, per prediction, each reference's counts."""

    __slots__ = ("predictions", "references", "tokens")

    def __init__(self, tokens: Tokenized) -> None:
        self.tokens = tokens
        self.predictions = [ngram_counts(words) for words in tokens.predictions]
        self.references = [[ngram_counts(words) for words in refs] for refs in tokens.references]


@lru_cache(maxsize=2)
def coco_ngrams(corpus: Corpus) -> CorpusNgrams:
    return CorpusNgrams(coco_words(corpus))


@lru_cache(maxsize=2)
def hf_ngrams(corpus: Corpus) -> CorpusNgrams:
    return CorpusNgrams(bleu_13a(corpus))
