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

import numpy as np
from numpy.typing import NDArray

from foodcap import MetricAccumulator, MetricScore

from .chunked import ChunkedScores
from .corpus import Corpus, CorpusMetric
from .gc_pause import paused_gc
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
def _coco_bleu(correct: Sequence[float], guess: Sequence[float], testlen: float, reflen: float) -> list[float]:
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
    rows = bleu_statistics(corpus, "coco")
    per_sample = tuple(list(scores) for scores in zip(*(_coco_bleu(*_coco_arguments(row)) for row in rows)))
    return BleuScores(tuple(_coco_bleu(*_coco_arguments(_summed(rows)))), per_sample)


def _coco_arguments(row: Sequence[float]) -> tuple[Sequence[float], Sequence[float], float, float]:
    """(correct, guess, testlen, reflen) from a statistics row."""
    return row[2 : 2 + MAX_ORDER], row[2 + MAX_ORDER :], row[0], row[1]


# --- hf (evaluate / tensorflow nmt) ----------------------------------------------------------------------
def _nmt_bleu(
    matches: Sequence[float], possible: Sequence[float], ref_len: float, trans_len: float, order: int
) -> float:
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
    rows = bleu_statistics(corpus, "hf")
    per_sample = tuple([_hf_bleu(row, k + 1) for row in rows] for k in range(MAX_ORDER))
    totals = _summed(rows)
    return BleuScores(tuple(_hf_bleu(totals, k + 1) for k in range(MAX_ORDER)), per_sample)


def _hf_bleu(row: Sequence[float], order: int) -> float:
    """BLEU-``order`` from a statistics row: (translation length, reference length, matches, possible)."""
    return _nmt_bleu(row[2 : 2 + MAX_ORDER], row[2 + MAX_ORDER :], row[1], row[0], order)


def dialect_bleu(corpus: Corpus, dialect: str) -> BleuScores:
    return coco_bleu(corpus) if dialect == "coco" else hf_bleu(corpus)


# --- the statistics both dialects share -----------------------------------------------------------------
@lru_cache(maxsize=2)
def bleu_statistics(corpus: Corpus, dialect: str) -> list[list[int]]:
    """Per sample: [prediction length, reference length, clipped matches of orders 1..4, n-grams of orders
    1..4]. The reference length is the closest one (coco, shorter on ties) or the shortest (hf); the n-grams
    are pycocoevalcap's PTB tokens (coco) or 13a tokens (hf). sacrebleu's BLEU statistics have this layout.
    """
    ngrams: CorpusNgrams = coco_ngrams(corpus) if dialect == "coco" else hf_ngrams(corpus)
    rows = []
    for words, refs_words, test, refs in zip(
        ngrams.tokens.predictions, ngrams.tokens.references, ngrams.predictions, ngrams.references
    ):
        length = len(words)
        if dialect == "coco":
            reference_length = min((abs(len(r) - length), len(r)) for r in refs_words)[1]  # closest, shorter on ties
        else:
            reference_length = min(len(r) for r in refs_words)
        guess = [max(0, length - k) for k in range(MAX_ORDER)]
        rows.append([length, reference_length, *_clipped_matches(test, refs), *guess])
    return rows


def _summed(rows: Sequence[Sequence[int]]) -> list[int]:
    return [sum(column) for column in zip(*rows)]


class _Bleu(CorpusMetric):
    """Corpus BLEU-k; per-sample scores are sentence BLEU-k; ``bleu_statistics`` are its statistics."""

    order: ClassVar[int]

    def score(self, corpus: Corpus) -> MetricScore:
        scores = dialect_bleu(corpus, self.options.dialect)
        return MetricScore(scores.corpus[self.order - 1], scores.per_sample[self.order - 1])

    def accumulator(self) -> MetricAccumulator:
        return BleuChunks(self)

    def statistics(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> NDArray[np.float64]:
        with paused_gc():
            rows = bleu_statistics(Corpus(predictions, references), self.options.dialect)
        return np.array(rows, dtype=np.float64)

    def score_from_statistics(self, totals: NDArray[np.float64]) -> float:
        row = [float(value) for value in totals]  # plain floats: the same arithmetic as compute's
        if self.options.dialect == "coco":
            return _coco_bleu(*_coco_arguments(row))[self.order - 1]
        return _hf_bleu(row, self.order)


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


class BleuChunks(ChunkedScores):
    """BLEU-k of a corpus given in chunks: the chunks' statistics rows added up."""

    def __init__(self, metric: _Bleu) -> None:
        super().__init__()
        self.metric = metric
        self.totals = [0] * (2 + 2 * MAX_ORDER)

    def score_chunk(self, corpus: Corpus, count: int) -> list[float]:
        rows = bleu_statistics(corpus, self.metric.options.dialect)[:count]
        self.totals = _summed([self.totals, *rows])
        return dialect_bleu(corpus, self.metric.options.dialect).per_sample[self.metric.order - 1][:count]

    def corpus_score(self) -> float:
        return self.metric.score_from_statistics(np.array(self.totals, dtype=np.float64))
