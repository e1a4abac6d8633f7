"""The reference implementations the agreement tests compare against, run as their users run them.

pycocoevalcap is installed (the ``test`` extra) and runs its Java tokenizer. Hugging Face ``evaluate``
downloads its metric scripts at run time, so its BLEU is reproduced here from the published code
(tensorflow/nmt's ``compute_bleu`` and sacrebleu's 13a tokenizer, as evaluate ships them); its ROUGE and
METEOR are rouge-score and nltk, called directly.
"""

from __future__ import annotations

import collections
import math
import re
from collections.abc import Sequence

import numpy as np


# --- pycocoevalcap -------------------------------------------------------------------------------------
def coco_tokenize(captions: Sequence[str]) -> list[str]:
    """pycocoevalcap's PTBTokenizer over one side's captions (one Java run)."""
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    tokenized = PTBTokenizer().tokenize({i: [{"caption": c}] for i, c in enumerate(captions)})
    return [tokenized[i][0] for i in range(len(captions))]


def pycocoevalcap_scores(predictions: Sequence[str], references: Sequence[Sequence[str]]) -> dict[str, tuple]:
    """Corpus and per-image BLEU-1..4, ROUGE-L and CIDEr-D, the way COCOEvalCap.evaluate() computes them."""
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    tokenizer = PTBTokenizer()
    gts = tokenizer.tokenize({i: [{"caption": r} for r in refs] for i, refs in enumerate(references)})
    res = tokenizer.tokenize({i: [{"caption": p}] for i, p in enumerate(predictions)})
    return {**pycocoevalcap_scorers(res, gts), "tokens": (res, gts)}


def pycocoevalcap_scorers(res: dict[int, list[str]], gts: dict[int, list[str]]) -> dict[str, tuple]:
    """pycocoevalcap's BLEU, ROUGE-L and CIDEr-D scorers (pure Python) on already tokenized captions."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    bleu, bleu_per_image = Bleu(4).compute_score(gts, res, verbose=0)
    rouge, rouge_per_image = Rouge().compute_score(gts, res)
    cider, cider_per_image = Cider().compute_score(gts, res)
    scores = {f"bleu-{k + 1}": (bleu[k], list(bleu_per_image[k])) for k in range(4)}
    scores["rouge-l"] = (float(rouge), list(rouge_per_image))
    scores["cider-d"] = (float(cider), list(cider_per_image))
    return scores


# --- Hugging Face evaluate's bleu (nmt_bleu.py + tokenizer_13a.py) ---------------------------------------
class Tokenizer13a:
    """sacrebleu's 13a tokenizer as evaluate's tokenizer_13a.py has it."""

    _rules = [
        (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
        (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
        (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
        (re.compile(r"([0-9])(-)"), r"\1 \2 "),
    ]

    def __call__(self, line: str) -> list[str]:
        line = line.replace("<skipped>", "")
        line = line.replace("-\n", "")
        line = line.replace("\n", " ")
        if "&" in line:
            line = line.replace("&quot;", '"')
            line = line.replace("&amp;", "&")
            line = line.replace("&lt;", "<")
            line = line.replace("&gt;", ">")
        line = f" {line} "
        for pattern, replacement in self._rules:
            line = pattern.sub(replacement, line)
        return line.split()


def _get_ngrams(segment: Sequence[str], max_order: int) -> collections.Counter:
    ngram_counts: collections.Counter = collections.Counter()
    for order in range(1, max_order + 1):
        for i in range(0, len(segment) - order + 1):
            ngram_counts[tuple(segment[i : i + order])] += 1
    return ngram_counts


def compute_bleu(reference_corpus, translation_corpus, max_order=4, smooth=False):  # noqa: ANN001, ANN201
    """tensorflow/nmt's compute_bleu, which evaluate's bleu calls."""
    matches_by_order = [0] * max_order
    possible_matches_by_order = [0] * max_order
    reference_length = 0
    translation_length = 0
    for references, translation in zip(reference_corpus, translation_corpus):
        reference_length += min(len(r) for r in references)
        translation_length += len(translation)
        merged_ref_ngram_counts: collections.Counter = collections.Counter()
        for reference in references:
            merged_ref_ngram_counts |= _get_ngrams(reference, max_order)
        translation_ngram_counts = _get_ngrams(translation, max_order)
        overlap = translation_ngram_counts & merged_ref_ngram_counts
        for ngram in overlap:
            matches_by_order[len(ngram) - 1] += overlap[ngram]
        for order in range(1, max_order + 1):
            possible_matches = len(translation) - order + 1
            if possible_matches > 0:
                possible_matches_by_order[order - 1] += possible_matches
    precisions = [0.0] * max_order
    for i in range(0, max_order):
        if smooth:
            precisions[i] = (matches_by_order[i] + 1.0) / (possible_matches_by_order[i] + 1.0)
        elif possible_matches_by_order[i] > 0:
            precisions[i] = float(matches_by_order[i]) / possible_matches_by_order[i]
        else:
            precisions[i] = 0.0
    if min(precisions) > 0:
        p_log_sum = sum((1.0 / max_order) * math.log(p) for p in precisions)
        geo_mean = math.exp(p_log_sum)
    else:
        geo_mean = 0
    if reference_length == 0 or translation_length == 0:
        bp = 0.0
    else:
        ratio = float(translation_length) / reference_length
        bp = 1.0 if ratio > 1.0 else math.exp(1 - 1.0 / ratio)
    return geo_mean * bp


def hf_bleu(predictions: Sequence[str], references: Sequence[Sequence[str]], max_order: int) -> float:
    """evaluate.load("bleu").compute(predictions, references, max_order=max_order)["bleu"]."""
    tokenizer = Tokenizer13a()
    return compute_bleu(
        [[tokenizer(r) for r in refs] for refs in references], [tokenizer(p) for p in predictions], max_order=max_order
    )


def hf_rouge_l(predictions: Sequence[str], references: Sequence[Sequence[str]]) -> list[float]:
    """rouge-score's rougeL F-measure with evaluate's defaults (no stemmer, best reference)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    return [scorer.score_multi(list(refs), pred)["rougeL"].fmeasure for pred, refs in zip(predictions, references)]


def nltk_meteor(
    hypotheses: Sequence[Sequence[str]], references: Sequence[Sequence[Sequence[str]]], wordnet: object
) -> list[float]:
    """nltk's meteor_score per sentence, on the given tokens."""
    from nltk.translate.meteor_score import meteor_score

    return [
        meteor_score([list(r) for r in refs], list(hyp), wordnet=wordnet) for hyp, refs in zip(hypotheses, references)
    ]


def mean(values: Sequence[float]) -> float:
    return float(np.mean(np.array(values)))
