"""Scoring a corpus chunk by chunk (a run too large to hold), with exactly the scores of one ``compute``.

Each metric keeps its sufficient statistics: BLEU's summed counts, CIDEr-D's document frequencies (from
a first pass over the references), and for the per-sample averages (ROUGE-L, METEOR, CIDEr-D) numpy's
own pairwise sum, fed as the scores arrive (numpy_mean.py). pycocoevalcap's tokenizer reads a caption
together with what follows it (up to 4,096 characters), so a chunk is scored once the next one has
arrived, with the next chunk's first captions as context: its scores come one chunk late, and the last
chunk's with ``result``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence

from foodcap import MetricAccumulator, MetricScore

from .corpus import Corpus
from .gc_pause import paused_gc
from .numpy_mean import StreamMean

# The tokenizer looks at most 4,096 UTF-16 units past a caption; a character is at most two units.
CONTEXT_CHARS = 2 * 4096 + 2

Chunk = tuple[list[str], list[list[str]]]


def context_of(following: Sequence[object], length: Callable[[object], int]) -> int:
    """How many items of ``following`` hold at least CONTEXT_CHARS characters (all of them if fewer)."""
    chars = 0
    for count, item in enumerate(following):
        if chars >= CONTEXT_CHARS:
            return count
        chars += length(item) + 1  # the line break between captions
    return len(following)


def with_context(held: Chunk, following: Chunk | None) -> Corpus:
    """``held`` followed by as much of ``following`` as the tokenizer may look at."""
    predictions, references = held
    if following is None:
        return Corpus(predictions, references)
    take = max(
        context_of(following[0], lambda caption: len(str(caption))),
        context_of(following[1], lambda refs: sum(len(r) + 1 for r in refs)),  # type: ignore[attr-defined, misc]
    )
    return Corpus(predictions + following[0][:take], references + following[1][:take])


class ChunkedScores(MetricAccumulator):
    """Holds back one chunk; scores it with the next one's first captions as context."""

    def __init__(self) -> None:
        self.images = 0  # from the references pass: the corpus size, which numpy's mean needs up front
        self.held: Chunk | None = None

    def add_references(self, references: Sequence[Sequence[str]]) -> None:
        self.images += len(references)

    def update(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> list[float]:
        with paused_gc():  # scoring builds many small objects and no cycles (gc_pause.py)
            chunk: Chunk = (list(predictions), [list(refs) for refs in references])
            ready = self._flush(chunk)
        self.held = chunk
        return ready

    def result(self) -> MetricScore:
        rest = self._flush(None)
        self.held = None
        return MetricScore(self.corpus_score(), rest)

    def _flush(self, following: Chunk | None) -> list[float]:
        if self.held is None:
            return []
        with paused_gc():
            return self.score_chunk(with_context(self.held, following), len(self.held[0]))

    @abstractmethod
    def score_chunk(self, corpus: Corpus, count: int) -> list[float]:
        """Per-sample scores of the first ``count`` captions of ``corpus`` (the rest is context); keep their statistics."""

    @abstractmethod
    def corpus_score(self) -> float:
        """The corpus score from the statistics kept."""


class ChunkedMean(ChunkedScores):
    """A metric whose corpus score is the mean of its per-sample scores (``np.mean``, bit for bit)."""

    def __init__(self, per_sample: Callable[[Corpus], Sequence[float]]) -> None:
        super().__init__()
        self.per_sample = per_sample
        self.mean: StreamMean | None = None

    def score_chunk(self, corpus: Corpus, count: int) -> list[float]:
        if self.mean is None:
            self.mean = StreamMean(self.images or None)
        scores = list(self.per_sample(corpus)[:count])
        self.mean.add(scores)
        return scores

    def corpus_score(self) -> float:
        if self.mean is None:
            raise ValueError("cannot score an empty corpus (0 predictions, 0 references)")
        return self.mean.mean()
