"""A checked corpus and its tokenizations, computed once and shared by every metric scoring it.

The runner calls each metric on the same corpus; keying the caches by the corpus' content means BLEU-1..4,
ROUGE-L, METEOR and CIDEr-D tokenize and count n-grams once between them.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TypeVar

from foodcap import Metric, MetricScore, check_corpus

from .gc_pause import paused_gc
from .hf_tokenizers import meteor_tokens, rouge_tokens, tokenize_13a
from .parallel import fork_map
from .ptb_tokenizer import coco_tokenize

T = TypeVar("T")

_CACHED_CORPORA = 2  # a corpus and the one before it: enough for a run, bounded memory


class Corpus:
    """Predictions and their reference lists as immutable tuples, hashed once."""

    __slots__ = ("predictions", "references", "_hash")

    def __init__(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> None:
        check_corpus(predictions, references)
        self.predictions: tuple[str, ...] = tuple(predictions)
        self.references: tuple[tuple[str, ...], ...] = tuple(tuple(refs) for refs in references)
        self._hash = hash((self.predictions, self.references))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Corpus)
            and self._hash == other._hash
            and self.predictions == other.predictions
            and self.references == other.references
        )

    def __len__(self) -> int:
        return len(self.predictions)

    def flat_references(self) -> list[str]:
        return [ref for refs in self.references for ref in refs]

    def regroup(self, flat: Sequence[object]) -> list[list[object]]:
        """Split a per-reference list back into one list per prediction."""
        grouped, start = [], 0
        for refs in self.references:
            grouped.append(list(flat[start : start + len(refs)]))
            start += len(refs)
        return grouped


class CorpusMetric(Metric):
    """A metric scored in one pass over a checked, cached ``Corpus``, with garbage collection paused."""

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        with paused_gc():
            score = self.score(Corpus(predictions, references))
        return MetricScore(score.score, list(score.per_sample))  # a copy: the cached result stays intact

    @abstractmethod
    def score(self, corpus: Corpus) -> MetricScore:
        """Corpus and per-sample scores (may be shared through a cache; never mutate them)."""


class Tokenized:
    """One tokenization of a corpus: each prediction's tokens and each prediction's references' tokens."""

    __slots__ = ("predictions", "references")

    def __init__(self, predictions: list[list[str]], references: list[list[list[str]]]) -> None:
        self.predictions = predictions
        self.references = references


def _tokenize_both_sides(corpus: Corpus, tokenize: Callable[[Sequence[str]], list[T]]) -> tuple[list[T], list[list[T]]]:
    """Predictions and references tokenized independently (pycocoevalcap runs its tokenizer once per
    side), each side in its own process when the corpus is large."""
    sides = (corpus.predictions, corpus.flat_references())
    predictions, references = fork_map(lambda side: tokenize(sides[side]), [0, 1], len(corpus))
    return predictions, corpus.regroup(references)  # type: ignore[return-value]


def _each(tokenize: Callable[[str], Sequence[str]]) -> Callable[[Sequence[str]], list[list[str]]]:
    return lambda captions: [list(tokenize(caption)) for caption in captions]


@lru_cache(maxsize=_CACHED_CORPORA)
def coco_strings(corpus: Corpus) -> tuple[list[str], list[list[str]]]:
    """pycocoevalcap's tokenized captions (space-joined strings): each side tokenized as one stream."""
    return _tokenize_both_sides(corpus, coco_tokenize)


@lru_cache(maxsize=_CACHED_CORPORA)
def coco_words(corpus: Corpus) -> Tokenized:
    """The coco tokens split on whitespace, as pycocoevalcap's BLEU and CIDEr split them."""
    predictions, references = coco_strings(corpus)
    return Tokenized([p.split() for p in predictions], [[r.split() for r in refs] for refs in references])


@lru_cache(maxsize=_CACHED_CORPORA)
def bleu_13a(corpus: Corpus) -> Tokenized:
    return Tokenized(*_tokenize_both_sides(corpus, _each(tokenize_13a)))


@lru_cache(maxsize=_CACHED_CORPORA)
def rouge_score_tokens(corpus: Corpus) -> Tokenized:
    return Tokenized(*_tokenize_both_sides(corpus, _each(rouge_tokens)))


@lru_cache(maxsize=_CACHED_CORPORA)
def nltk_words(corpus: Corpus) -> Tokenized:
    """``nltk.word_tokenize`` tokens, as Hugging Face evaluate's METEOR feeds them to nltk."""
    return Tokenized(*_tokenize_both_sides(corpus, meteor_tokens))
