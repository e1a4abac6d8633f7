"""CIDEr-D exactly as pycocoevalcap's Cider computes it (in both dialects: evaluate has no CIDEr).

TF-IDF vectors of 1..4-grams with document frequencies from the references, cosine similarity with the
candidate's weights clipped at the reference's, a Gaussian length penalty (sigma 6) on the difference of
the two sentences' bigram counts (pycocoevalcap's ``length``), the mean over n, over references, times 10.
Floating-point operations follow pycocoevalcap's order so per-image scores agree to the last bits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from foodcap import MetricAccumulator, MetricScore

from .chunked import ChunkedMean, context_of
from .corpus import Corpus, CorpusMetric
from .gc_pause import paused_gc
from .ngrams import MAX_ORDER, CorpusNgrams, NgramCounts, coco_ngrams, ngram_counts
from .numpy_mean import StreamMean
from .parallel import fork_map, halves
from .ptb_tokenizer import coco_tokenize

SIGMA = 6.0

Vector = tuple[list[dict[tuple[str, ...], float]], list[float], int]


def _vector(counts: NgramCounts, idf: dict[tuple[str, ...], float], ref_len: float) -> Vector:
    """(TF-IDF weights per order, their norms, the sentence's bigram count): pycocoevalcap's counts2vec."""
    weights = []
    norms = []
    for order_counts in counts:
        order_weights = {gram: float(tf) * (ref_len - idf.get(gram, 0.0)) for gram, tf in order_counts.items()}
        square_sum = 0.0
        for weight in order_weights.values():  # in insertion order, as pycocoevalcap sums
            square_sum += weight * weight
        weights.append(order_weights)
        norms.append(math.sqrt(square_sum))
    return weights, norms, sum(counts[1].values())


def _similarity(hyp: Vector, ref: Vector) -> list[float]:
    hyp_weights, hyp_norms, hyp_length = hyp
    ref_weights, ref_norms, ref_length = ref
    delta = float(hyp_length - ref_length)
    penalty = math.e ** (-(delta**2) / (2 * SIGMA**2))
    values = []
    for order in range(MAX_ORDER):
        value = 0.0
        reference = ref_weights[order]
        for gram, weight in hyp_weights[order].items():
            ref_weight = reference.get(gram, 0.0)
            value += min(weight, ref_weight) * ref_weight  # clipped, as in CIDEr-D
        if hyp_norms[order] != 0 and ref_norms[order] != 0:
            value /= hyp_norms[order] * ref_norms[order]
        values.append(value * penalty)
    return values


def document_frequencies(
    references: list[list[NgramCounts]], frequency: dict[tuple[str, ...], int] | None = None
) -> dict[tuple[str, ...], int]:
    """In how many images' reference sets each n-gram occurs (added to ``frequency`` when given)."""
    frequency = {} if frequency is None else frequency
    for refs in references:
        for gram in {gram for counts in refs for order_counts in counts for gram in order_counts}:
            frequency[gram] = frequency.get(gram, 0) + 1
    return frequency


class Idf:
    """Inverse document frequencies of a corpus: ``ref_len`` is log(images), as pycocoevalcap's."""

    __slots__ = ("ref_len", "weights")

    def __init__(self, document_frequency: dict[tuple[str, ...], int], images: int) -> None:
        self.ref_len = float(np.log(float(images)))
        log_of = {df: float(np.log(max(1.0, float(df)))) for df in set(document_frequency.values())}
        self.weights = {gram: log_of[df] for gram, df in document_frequency.items()}


def cider_scores(ngrams: CorpusNgrams, idf: Idf, count: int) -> list[float]:
    """Per-image CIDEr-D of the first ``count`` images of ``ngrams``, against the whole corpus' ``idf``."""

    def score_span(span: tuple[int, int]) -> list[float]:
        scores = []
        for test, refs in zip(ngrams.predictions[span[0] : span[1]], ngrams.references[span[0] : span[1]]):
            hyp = _vector(test, idf.weights, idf.ref_len)
            total = [0.0] * MAX_ORDER
            for counts in refs:
                for order, value in enumerate(_similarity(hyp, _vector(counts, idf.weights, idf.ref_len))):
                    total[order] += value
            mean = (total[0] + total[1] + total[2] + total[3]) / MAX_ORDER
            scores.append(mean / len(refs) * 10.0)
        return scores

    parts = fork_map(score_span, halves(count), count)
    return [score for part in parts for score in part]


@lru_cache(maxsize=2)
def cider_d(corpus: Corpus) -> MetricScore:
    ngrams = coco_ngrams(corpus)
    scores = cider_scores(ngrams, Idf(document_frequencies(ngrams.references), len(ngrams.references)), len(corpus))
    return MetricScore(float(np.mean(np.array(scores))), scores)


class CiderD(CorpusMetric):
    """CIDEr-D (pycocoevalcap's Cider) on PTB-tokenized captions."""

    name = "cider-d"
    description = "CIDEr-D: TF-IDF n-gram consensus with clipping and a length penalty (pycocoevalcap; both dialects)"

    def score(self, corpus: Corpus) -> MetricScore:
        return cider_d(corpus)

    def accumulator(self) -> MetricAccumulator:
        return CiderChunks()


@lru_cache(maxsize=1)  # the shuffled-image control passes the same reference chunks right after the run's
def chunk_frequencies(held: tuple[tuple[str, ...], ...], context: tuple[str, ...]) -> dict[tuple[str, ...], int]:
    """The document frequencies of one chunk's reference sets, tokenized with ``context`` following them."""
    with paused_gc():
        flat = [ref for refs in held for ref in refs]
        words = [caption.split() for caption in coco_tokenize(flat + list(context))[: len(flat)]]
        grouped, start = [], 0
        for refs in held:
            grouped.append([ngram_counts(w) for w in words[start : start + len(refs)]])
            start += len(refs)
        return document_frequencies(grouped)


class CiderChunks(ChunkedMean):
    """CIDEr-D of a corpus given in chunks: document frequencies from the references pass, then per-image
    scores against them, averaged as numpy averages."""

    def __init__(self) -> None:
        super().__init__(lambda corpus: [])
        self.frequency: dict[tuple[str, ...], int] = {}
        self.held_references: list[list[str]] | None = None
        self.idf: Idf | None = None

    def add_references(self, references: Sequence[Sequence[str]]) -> None:
        super().add_references(references)
        chunk = [list(refs) for refs in references]
        self._count_held(chunk)
        self.held_references = chunk

    def _count_held(self, following: list[list[str]] | None) -> None:
        """Document frequencies of the held references, tokenized with the next chunk's first ones as context."""
        if self.held_references is None:
            return
        context = [ref for refs in (following or []) for ref in refs]
        context = context[: context_of(context, lambda ref: len(str(ref)))]
        held = tuple(tuple(refs) for refs in self.held_references)
        for gram, count in chunk_frequencies(held, tuple(context)).items():
            self.frequency[gram] = self.frequency.get(gram, 0) + count
        self.held_references = None

    def score_chunk(self, corpus: Corpus, count: int) -> list[float]:
        if self.idf is None:
            if not self.images:
                raise ValueError("CIDEr-D scored in chunks needs the references pass (add_references) first")
            self._count_held(None)
            self.idf = Idf(self.frequency, self.images)
            self.frequency = {}
        scores = cider_scores(coco_ngrams(corpus), self.idf, count)
        if self.mean is None:
            self.mean = StreamMean(self.images or None)
        self.mean.add(scores)
        return scores
