"""Intervals and p-values equal sacrebleu's own ``PairedTest`` (BLEU, ``tokenize='13a'``, ``smooth_method='none'``)
for the hf dialect's BLEU-4 on one reference per image, with both test types (docs/significance.md)."""

from __future__ import annotations

import pytest

from foodcap import MetricOptions
from foodcap.significance import Draws, Estimate, PairedSettings, paired_test
from foodcap_metrics import Bleu4
from foodcap_metrics.synthetic import title_corpus

from conftest import requires_sacrebleu

IMAGES = 500
# How many captions each later system changes from the baseline's: a few (p near 1), some, many (p tiny).
CHANGED = {"close": 6, "apart": 40, "far": 300}


def systems() -> tuple[list[str], dict[str, list[str]]]:
    """Single-reference titles; the baseline's captions, and systems that differ from it in a chosen number."""
    corpus = title_corpus(IMAGES, seed=31)
    references = [refs[0] for refs in corpus.references]
    baseline = list(corpus.predictions)
    named = {"baseline": baseline}
    for name, count in CHANGED.items():
        changed = list(baseline)
        for index in range(0, count):
            position = (index * 7919) % IMAGES  # spread over the corpus, deterministic
            words = references[position].split()
            # alternately the reference itself (better) and a truncated caption (worse)
            changed[position] = references[position] if index % 2 else " ".join(words[: max(1, len(words) // 2)])
        named[name] = changed
    return references, named


def foodcap_estimates(references: list[str], named: dict[str, list[str]], test: str) -> list[Estimate]:
    metric = Bleu4(MetricOptions(dialect="hf"))
    statistics = [metric.statistics(captions, [[r] for r in references]) for captions in named.values()]
    return paired_test(statistics, metric.score_from_statistics, Draws.make(len(references), PairedSettings(test)))


def sacrebleu_results(references: list[str], named: dict[str, list[str]], test: str) -> list:  # type: ignore[type-arg]
    from sacrebleu.metrics import BLEU
    from sacrebleu.significance import PairedTest

    paired = PairedTest(
        list(named.items()),
        {"BLEU": BLEU(tokenize="13a", smooth_method="none")},
        [references],
        test_type=test,
        n_samples=0,
        n_ar_confidence=0 if test == "ar" else -1,
    )
    _, scores = paired()
    return scores["BLEU"]  # type: ignore[no-any-return]


@requires_sacrebleu
def test_paired_bootstrap_equals_sacrebleu() -> None:
    references, named = systems()
    ours = foodcap_estimates(references, named, "bs")
    theirs = sacrebleu_results(references, named, "bs")
    p_values = [estimate.p_value for estimate in ours]
    assert p_values == [result.p_value for result in theirs]  # exactly: the same counts over the same draws
    assert 0.05 < p_values[1] and p_values[3] < 0.01  # the cases span both sides of the usual threshold
    for estimate, result in zip(ours, theirs):
        assert 100 * estimate.score == pytest.approx(result.score, rel=1e-12)
        # sacrebleu sums the resampled statistics in float32 and so rounds its precisions to float32
        assert 100 * estimate.mean == pytest.approx(result.mean, rel=1e-6)
        assert 100 * estimate.ci == pytest.approx(result.ci, rel=1e-6)


@requires_sacrebleu
def test_approximate_randomization_equals_sacrebleu() -> None:
    references, named = systems()
    ours = foodcap_estimates(references, named, "ar")
    theirs = sacrebleu_results(references, named, "ar")
    assert [estimate.p_value for estimate in ours] == [result.p_value for result in theirs]
    assert len({estimate.p_value for estimate in ours[1:]}) == len(CHANGED)
    # The baseline's interval is sacrebleu's (the same fresh bootstrap draws). sacrebleu draws the other systems'
    # intervals after the swap mask; foodcap keeps the one bootstrap matrix, so they are its paired-bootstrap ones.
    bootstrap = sacrebleu_results(references, named, "bs")
    assert 100 * ours[0].ci == pytest.approx(theirs[0].ci, rel=1e-6)
    for estimate, result in zip(ours, bootstrap):
        assert 100 * estimate.mean == pytest.approx(result.mean, rel=1e-6)
        assert 100 * estimate.ci == pytest.approx(result.ci, rel=1e-6)
