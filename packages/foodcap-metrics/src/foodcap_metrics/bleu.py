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

from foodcap import MetricScore

from .corpus import Corpus, CorpusMetric
from .ngrams import MAX_ORDER, CorpusNgrams, NgramCounts, coco_ngrams, hf_ngrams

_SMALL = 1e-9  # pycocoevalcap's epsilons, so that an empty guess scores 0 without dividing by zero
_TINY = 1e-15


@dataclass(frozen=True)
class BleuScores:
    """Corpus BLEU-1..4 and per-sample BLEU-1..4 (``per_sample[k - 1]`` is BLEU-k per sample)."""

    corpus: tuple[float, ...]
    per_sample: tuple[list[float], ...]


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
    total_correct = [0] * MAX_ORDER
    total_guess = [0] * MAX_ORDER
    total_test = total_ref = 0
    for words, refs_words, test, refs in zip(
        ngrams.tokens.predictions, ngrams.tokens.references, ngrams.predictions, ngrams.references
    ):
        testlen = len(words)
        reflen = min((abs(len(r) - testlen), len(r)) for r in refs_words)[1]  # closest, shorter on ties
        guess = [max(0, testlen - k) for k in range(MAX_ORDER)]
        correct = _clipped_matches(test, refs)
        for k in range(MAX_ORDER):
            total_correct[k] += correct[k]
            total_guess[k] += guess[k]
        total_test += testlen
        total_ref += reflen
        for k, score in enumerate(_coco_bleu(correct, guess, testlen, reflen)):
            per_sample[k].append(score)
    return BleuScores(tuple(_coco_bleu(total_correct, total_guess, total_test, total_ref)), per_sample)


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
    matches = [0] * MAX_ORDER
    possible = [0] * MAX_ORDER
    ref_len = trans_len = 0
    for words, refs_words, test, refs in zip(
        ngrams.tokens.predictions, ngrams.tokens.references, ngrams.predictions, ngrams.references
    ):
        sentence_matches = _clipped_matches(test, refs)
        sentence_possible = [max(0, len(words) - k) for k in range(MAX_ORDER)]
        sentence_ref = min(len(r) for r in refs_words)
        for k in range(MAX_ORDER):
            matches[k] += sentence_matches[k]
            possible[k] += sentence_possible[k]
        ref_len += sentence_ref
        trans_len += len(words)
        for k in range(MAX_ORDER):
            per_sample[k].append(_nmt_bleu(sentence_matches, sentence_possible, sentence_ref, len(words), k + 1))
    corpus_scores = tuple(_nmt_bleu(matches, possible, ref_len, trans_len, k + 1) for k in range(MAX_ORDER))
    return BleuScores(corpus_scores, per_sample)


class _Bleu(CorpusMetric):
    """Corpus BLEU-k; per-sample scores are sentence BLEU-k."""

    order: ClassVar[int]

    def score(self, corpus: Corpus) -> MetricScore:
        scores = coco_bleu(corpus) if self.options.dialect == "coco" else hf_bleu(corpus)
        return MetricScore(scores.corpus[self.order - 1], scores.per_sample[self.order - 1])


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
