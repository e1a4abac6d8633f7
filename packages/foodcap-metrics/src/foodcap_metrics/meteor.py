"""METEOR exactly as nltk's ``meteor_score`` scores each sentence, with per-word caches and both CPU cores.

nltk aligns a hypothesis to a reference in three stages (exact words, then Porter stems of what is
left, then WordNet synonyms of those stems), takes the alignment's precision, recall and chunk count,
and keeps the best reference. This module follows nltk 3.9+'s code step for step, including which of
several equal candidates it picks, but stems and looks up synonyms once per distinct word.
Tokens: pycocoevalcap's PTB tokens in the coco dialect; ``nltk.word_tokenize`` (as Hugging Face evaluate
feeds nltk) in the hf dialect.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from foodcap import FoodcapError, MetricScore

from .corpus import Corpus, CorpusMetric, coco_words, nltk_words
from .parallel import fork_map, halves
from .wordnet import SynonymIndex, find_wordnet, synonym_index

ALPHA, BETA, GAMMA = 0.9, 3.0, 0.5  # nltk's (and evaluate's) defaults

Enumerated = list[tuple[int, str]]
Matches = list[tuple[int, int]]


def _match_exact(hypothesis: Enumerated, reference: Enumerated) -> tuple[Matches, Enumerated, Enumerated]:
    """nltk's ``_match_enums``: each hypothesis word, last first, takes the last free equal reference word."""
    positions: dict[str, list[int]] = defaultdict(list)
    for j, (_, word) in enumerate(reference):
        positions[word].append(j)
    matches: Matches = []
    hyp_matched: set[int] = set()
    ref_matched: set[int] = set()
    for i in range(len(hypothesis) - 1, -1, -1):
        free = positions.get(hypothesis[i][1])
        if free:
            j = free.pop()
            hyp_matched.add(i)
            ref_matched.add(j)
            matches.append((hypothesis[i][0], reference[j][0]))
    return (
        matches,
        [pair for i, pair in enumerate(hypothesis) if i not in hyp_matched],
        [pair for j, pair in enumerate(reference) if j not in ref_matched],
    )


class MeteorScorer:
    """Sentence METEOR with cached stems and synonyms (safe to fork: caches are plain dicts)."""

    def __init__(self, synonyms: SynonymIndex) -> None:
        from nltk.stem.porter import PorterStemmer

        self._stemmer = PorterStemmer()
        self._stems: dict[str, str] = {}
        self._synonyms = synonyms

    def stem(self, word: str) -> str:
        stem = self._stems.get(word)
        if stem is None:
            stem = self._stems[word] = self._stemmer.stem(word)
        return stem

    def prepare(self, hypotheses: Sequence[Sequence[str]]) -> None:
        """Look up the synonyms every hypothesis word's stem may need, in one batch."""
        self._synonyms.prefetch({self.stem(w.lower()) for words in hypotheses for w in words})

    def _match_synonyms(self, hypothesis: Enumerated, reference: Enumerated) -> Matches:
        """nltk's ``_enum_wordnetsyn_match``: the last free reference word among the synonyms wins."""
        positions: dict[str, list[int]] = defaultdict(list)
        for j, (_, word) in enumerate(reference):
            positions[word].append(j)
        matches: Matches = []
        for i in range(len(hypothesis) - 1, -1, -1):
            best_j, best_word = -1, None
            for synonym in self._synonyms.synonyms(hypothesis[i][1]):
                free = positions.get(synonym)
                if free and free[-1] > best_j:
                    best_j, best_word = free[-1], synonym
            if best_word is not None:
                positions[best_word].pop()
                matches.append((hypothesis[i][0], reference[best_j][0]))
        return matches

    def align(self, hypothesis: Sequence[str], reference: Sequence[str]) -> Matches:
        """Exact, then stem, then synonym matches, sorted by hypothesis position (nltk's ``align_words``)."""
        exact, hyp_left, ref_left = _match_exact(list(enumerate(hypothesis)), list(enumerate(reference)))
        stemmed, hyp_left, ref_left = _match_exact(
            [(i, self.stem(w)) for i, w in hyp_left], [(j, self.stem(w)) for j, w in ref_left]
        )
        synonyms = self._match_synonyms(hyp_left, ref_left) if hyp_left and ref_left else []
        return sorted(exact + stemmed + synonyms, key=lambda pair: pair[0])

    def sentence(self, hypothesis: Sequence[str], reference: Sequence[str]) -> float:
        """nltk's ``single_meteor_score`` (words lower-cased, as its default ``preprocess``)."""
        hypothesis = [w.lower() for w in hypothesis]
        reference = [w.lower() for w in reference]
        if not hypothesis or not reference:
            return 0.0
        matches = self.align(hypothesis, reference)
        matches_count = len(matches)
        if matches_count == 0:
            return 0.0
        precision = float(matches_count) / len(hypothesis)
        recall = float(matches_count) / len(reference)
        fmean = (precision * recall) / (ALPHA * precision + (1 - ALPHA) * recall)
        chunks = 1
        for (h0, r0), (h1, r1) in zip(matches, matches[1:]):
            if not (h1 == h0 + 1 and r1 == r0 + 1):
                chunks += 1
        frag_frac = float(chunks) / matches_count
        penalty = GAMMA * frag_frac**BETA
        return (1 - penalty) * fmean

    def score(self, hypothesis: Sequence[str], references: Sequence[Sequence[str]]) -> float:
        """nltk's ``meteor_score``: the best reference."""
        return max(self.sentence(hypothesis, reference) for reference in references)


def meteor_scores(scorer: MeteorScorer, hypotheses: list[list[str]], references: list[list[list[str]]]) -> list[float]:
    """Per-sample METEOR; a large corpus is split over forked worker processes."""
    scorer.prepare(hypotheses)

    def score_span(span: tuple[int, int]) -> list[float]:
        return [scorer.score(hypotheses[i], references[i]) for i in range(*span)]

    parts = fork_map(score_span, halves(len(hypotheses)), len(hypotheses))
    return [score for part in parts for score in part]


@lru_cache(maxsize=1)
def shared_scorer() -> MeteorScorer:
    return MeteorScorer(synonym_index())


@lru_cache(maxsize=2)
def meteor(corpus: Corpus, dialect: str) -> MetricScore:
    tokens = coco_words(corpus) if dialect == "coco" else nltk_words(corpus)
    scores = meteor_scores(shared_scorer(), tokens.predictions, tokens.references)
    return MetricScore(float(np.mean(np.array(scores))), scores)


class Meteor(CorpusMetric):
    """METEOR (nltk's algorithm, WordNet 3.0 synonyms) per sample, averaged."""

    name = "meteor"
    description = (
        "METEOR: unigram alignment by exact word, stem and WordNet synonym, with a fragmentation penalty (nltk)"
    )

    @classmethod
    def missing_resources(cls) -> list[str]:
        try:
            find_wordnet()
        except FoodcapError as error:
            return [str(error)]
        return []

    def score(self, corpus: Corpus) -> MetricScore:
        return meteor(corpus, self.options.dialect)
