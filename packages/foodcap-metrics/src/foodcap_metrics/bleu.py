"""BLEU-1..4 in both dialects, all four orders from one pass over the corpus' n-gram counts.

* ``coco``: pycocoevalcap's BleuScorer: per-image closest reference length, its 1e-9 / 1e-15 smoothing
  epsilons, corpus BLEU from summed counts, per-image BLEU with the image's own brevity penalty.
* ``hf``: Hugging Face evaluate's ``bleu`` (tensorflow/nmt's ``compute_bleu``, no smoothing): shortest
  reference length, 13a tokens, BLEU-k as ``max_order=k``; per sample, the same formula on one pair.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from foodcap import MetricAccumulator, MetricScore

from .chunked import ChunkedScores
from .corpus import Corpus, CorpusMetric
from .ngrams import MAX_ORDER, CorpusNgrams, NgramCounts, coco_ngrams, hf_ngrams

_SMALL = 1e-9  # pycocoevalcap's epsilons, so that an empty guess scores 0 without dividing by zero
_TINY = 1e-15


# A sample's sufficient statistics: clipped matches and candidate n-grams per order, its length and the
# reference length it is judged against. Corpus BLEU comes from their sums, so a corpus scored in chunks
# adds them up (chunked.py).
BleuCounts = tuple[tuple[int, ...], tuple[int, ...], int, int]


@dataclass(frozen=True)
class BleuScores:
    """Corpus BLEU-1..4 and per-sample BLEU-1..4 (``per_sample[k - 1]`` is BLEU-k per sample), with each
    sample's counts."""

    corpus: tuple[float, ...]
    per_sample: tuple[list[float], ...]
    counts: list[BleuCounts]


def summed(counts: Sequence[BleuCounts]) -> BleuCounts:
    """The counts of several samples (or chunks) added up."""
    correct, guess = [0] * MAX_ORDER, [0] * MAX_ORDER
    test = ref = 0
    for sample_correct, sample_guess, sample_test, sample_ref in counts:
        for k in range(MAX_ORDER):
            correct[k] += sample_correct[k]
            guess[k] += sample_guess[k]
        test += sample_test
        ref += sample_ref
    return tuple(correct), tuple(guess), test, ref


def corpus_bleu(counts: BleuCounts, dialect: str) -> tuple[float, ...]:
    """Corpus BLEU-1..4 from a corpus' summed counts."""
    correct, guess, test, ref = counts
    if dialect == "coco":
        return tuple(_coco_bleu(correct, guess, test, ref))
    return tuple(_nmt_bleu(correct, guess, ref, test, k + 1) for k in range(MAX_ORDER))


def _clipped_matches(test: NgramCounts, refs: Sequence[NgramCounts]) -> list[int]:
    """Per order: the test's n-grams, each counted at most as often as in any single reference."""
    correct = []
    for order, test_counts in enumerate(test):
        most = refs[0][order]
        if len(refs) > 1:
            most = dict(most)
            for ref in refs[1:]:
                for gram, count in ref[order].items():
                    if count > most.get(gram, 0):
                        most[gram] = count
        correct.append(sum(min(count, most[gram]) for gram, count in test_counts.items() if gram in most))
    return correct


# --- coco (pycocoevalcap) ------------------------------------------------------------------------------
def _coco_bleu(correct: Sequence[int], guess: Sequence[int], testlen: int, reflen: int) -> list[float]:
    bleus = []
    bleu = 1.0
    for k in range(MAX_ORDER):
        bleu *= (float(correct[k]) + _TINY) / (float(guess[k]) + _SMALL)
        bleus.append(bleu ** (1.0 / (k + 1)))
    ratio = (testlen + _TINY) / (reflen + _SMALL)
    if ratio < 1:
        penalty = math.exp(1 - 1 / ratio)
        bleus = [b * penalty for b in bleus]
    return bleus


@lru_cache(maxsize=2)
def coco_bleu(corpus: Corpus) -> BleuScores:
    ngrams: CorpusNgrams = coco_ngrams(corpus)
    per_sample: tuple[list[float], ...] = tuple([] for _ in range(MAX_ORDER))
    counts: list[BleuCounts] = []
    for words, refs_words, test, refs in zip(
        ngrams.tokens.predictions, ngrams.tokens.references, ngrams.predictions, ngrams.references
    ):
        testlen = len(words)
        reflen = min((abs(len(r) - testlen), len(r)) for r in refs_words)[1]  # closest, shorter on ties
        guess = [max(0, testlen - k) for k in range(MAX_ORDER)]
        correct = _clipped_matches(test, refs)
        counts.append((tuple(correct), tuple(guess), testlen, reflen))
        for k, score in enumerate(_coco_bleu(correct, guess, testlen, reflen)):
            per_sample[k].append(score)
    return BleuScores(corpus_bleu(summed(counts), "coco"), per_sample, counts)


# --- hf (evaluate / tensorflow nmt) ----------------------------------------------------------------------
def _nmt_bleu(matches: Sequence[int], possible: Sequence[int], ref_len: int, trans_len: int, order: int) -> float:
    """``compute_bleu(..., max_order=order, smooth=False)[0]`` from its summed counts."""
    precisions = [float(matches[i]) / possible[i] if possible[i] > 0 else 0.0 for i in range(order)]
    if min(precisions) > 0:
        geo_mean = math.exp(sum((1.0 / order) * math.log(p) for p in precisions))
    else:
        geo_mean = 0
    if ref_len == 0 or trans_len == 0:
        return 0.0
    ratio = float(trans_len) / ref_len
    bp = 1.0 if ratio > 1.0 else math.exp(1 - 1.0 / ratio)
    return geo_mean * bp


@lru_cache(maxsize=2)
def hf_bleu(corpus: Corpus) -> BleuScores:
    ngrams: CorpusNgrams = hf_ngrams(corpus)
    per_sample: tuple[list[float], ...] = tuple([] for _ in range(MAX_ORDER))
    counts: list[BleuCounts] = []
    for words, refs_words, test, refs in zip(
        ngrams.tokens.predictions, ngrams.tokens.references, ngrams.predictions, ngrams.references
    ):
        sentence_matches = _clipped_matches(test, refs)
        sentence_possible = [max(0, len(words) - k) for k in range(MAX_ORDER)]
        sentence_ref = min(len(r) for r in refs_words)
        counts.append((tuple(sentence_matches), tuple(sentence_possible), len(words), sentence_ref))
        for k in range(MAX_ORDER):
            per_sample[k].append(_nmt_bleu(sentence_matches, sentence_possible, sentence_ref, len(words), k + 1))
    return BleuScores(corpus_bleu(summed(counts), "hf"), per_sample, counts)


def dialect_bleu(corpus: Corpus, dialect: str) -> BleuScores:
    return coco_bleu(corpus) if dialect == "coco" else hf_bleu(corpus)


class _Bleu(CorpusMetric):
    """Corpus BLEU-k; per-sample scores are sentence BLEU-k."""

    order: ClassVar[int]

    def score(self, corpus: Corpus) -> MetricScore:
        scores = dialect_bleu(corpus, self.options.dialect)
        return MetricScore(scores.corpus[self.order - 1], scores.per_sample[self.order - 1])

    def accumulator(self) -> MetricAccumulator:
        return BleuChunks(self.order, self.options.dialect)


class BleuChunks(ChunkedScores):
    """BLEU-k of a corpus given in chunks: the chunks' counts added up."""

    def __init__(self, order: int, dialect: str) -> None:
        super().__init__()
        self.order, self.dialect = order, dialect
        self.counts: BleuCounts = ((0,) * MAX_ORDER, (0,) * MAX_ORDER, 0, 0)

    def score_chunk(self, corpus: Corpus, count: int) -> list[float]:
        scores = dialect_bleu(corpus, self.dialect)
        self.counts = summed([self.counts, *scores.counts[:count]])
        return scores.per_sample[self.order - 1][:count]

    def corpus_score(self) -> float:
        return corpus_bleu(self.counts, self.dialect)[self.order - 1]


_DESCRIPTION = "BLEU-{k}: {k}-gram precision (geometric mean of orders 1..{k}) with a brevity penalty"


class Bleu1(_Bleu):
    name = "bleu-1"
    order = 1
    description = _DESCRIPTION.format(k=1).replace("(geometric mean of orders 1..1) ", "")


class Bleu2(_Bleu):
    name = "bleu-2"
    order = 2
    description = _DESCRIPTION.format(k=2)


class Bleu3(_Bleu):
    name = "bleu-3"
    order = 3
    description = _DESCRIPTION.format(k=3)


class Bleu4(_Bleu):
    name = "bleu-4"
    order = 4
    description = _DESCRIPTION.format(k=4)
