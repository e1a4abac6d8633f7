"""ROUGE-L in both dialects.

* ``coco``: pycocoevalcap's Rouge: tokens split on single spaces, the best precision and the best recall
  over the references, F with beta 1.2, averaged over images.
* ``hf``: rouge-score's ``rougeL`` F-measure (beta 1) with its own tokenizer, best reference by F, averaged
  (evaluate reports a bootstrap median of the same scores by default, which lands within noise of it).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from foodcap import MetricScore

from .corpus import Corpus, CorpusMetric, coco_strings, rouge_score_tokens

BETA = 1.2


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence, bit-parallel (Hyyrö 2004): one row per token of ``b``."""
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for i, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << i)
    full = (1 << len(a)) - 1
    row = full
    for token in b:
        match = row & masks.get(token, 0)
        row = ((row + match) | (row - match)) & full
    return len(a) - row.bit_count()


def _coco_rouge(candidate: str, references: Sequence[str]) -> float:
    candidate_tokens = candidate.split(" ")
    precisions, recalls = [], []
    for reference in references:
        reference_tokens = reference.split(" ")
        lcs = lcs_length(reference_tokens, candidate_tokens)
        precisions.append(lcs / float(len(candidate_tokens)))
        recalls.append(lcs / float(len(reference_tokens)))
    best_precision, best_recall = max(precisions), max(recalls)
    if best_precision != 0 and best_recall != 0:
        return ((1 + BETA**2) * best_precision * best_recall) / float(best_recall + BETA**2 * best_precision)
    return 0.0


def _rouge_score_f(target: Sequence[str], prediction: Sequence[str]) -> float:
    if not target or not prediction:
        return 0.0
    lcs = lcs_length(target, prediction)
    precision = lcs / len(prediction)
    recall = lcs / len(target)
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


@lru_cache(maxsize=2)
def rouge_l(corpus: Corpus, dialect: str) -> MetricScore:
    if dialect == "coco":
        predictions, references = coco_strings(corpus)
        scores = [_coco_rouge(p, refs) for p, refs in zip(predictions, references)]
    else:
        tokens = rouge_score_tokens(corpus)
        scores = [
            max(_rouge_score_f(ref, pred) for ref in refs) for pred, refs in zip(tokens.predictions, tokens.references)
        ]
    return MetricScore(float(np.mean(np.array(scores))), scores)


class RougeL(CorpusMetric):
    """ROUGE-L: longest-common-subsequence F-measure per sample, averaged."""

    name = "rouge-l"
    description = "ROUGE-L: longest common subsequence F-measure (coco: beta 1.2, pycocoevalcap; hf: rouge-score)"

    def score(self, corpus: Corpus) -> MetricScore:
        return rouge_l(corpus, self.options.dialect)
