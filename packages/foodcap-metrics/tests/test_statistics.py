"""Per-sample statistics: summed over the corpus they give compute()'s score exactly; summed over a resample,
BLEU's give the score of the resampled corpus, and CIDEr-D keeps the whole test set's document frequencies."""

from __future__ import annotations

import numpy as np
import pytest

from foodcap import Metric, MetricOptions
from foodcap.metric import mean_statistics
from foodcap.significance import Draws, MetricSystems, PairedSettings, corpus_totals, resampled_scores
from foodcap_metrics import Bleu1, Bleu2, Bleu3, Bleu4, CiderD, Meteor, RougeL
from foodcap_metrics.synthetic import TitleCorpus

from conftest import requires_wordnet

BLEUS = [Bleu1, Bleu2, Bleu3, Bleu4]
DIALECTS = ["coco", "hf"]


def statistics_of(metric: Metric, corpus: TitleCorpus) -> np.ndarray:
    statistics = metric.statistics(corpus.predictions, corpus.references)
    if statistics is None:  # a mean: its per-sample scores are its statistics
        return mean_statistics(metric.compute(corpus.predictions, corpus.references).per_sample)
    return statistics


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "metric_class", [*BLEUS, RougeL, CiderD, pytest.param(Meteor, marks=requires_wordnet)], ids=lambda m: m.name
)
def test_corpus_score_from_statistics_is_computes_score(
    metric_class: type[Metric], dialect: str, corpus: TitleCorpus
) -> None:
    metric = metric_class(MetricOptions.model_validate({"dialect": dialect}))
    statistics = statistics_of(metric, corpus)
    assert statistics.shape[0] == len(corpus.predictions)
    assert (
        metric.score_from_statistics(corpus_totals(statistics))
        == metric.compute(corpus.predictions, corpus.references).score
    )


@pytest.mark.parametrize("dialect", DIALECTS)
def test_bleu_statistics_are_counts_in_sacrebleus_layout(dialect: str, corpus: TitleCorpus) -> None:
    statistics = Bleu4(MetricOptions.model_validate({"dialect": dialect})).statistics(
        corpus.predictions, corpus.references
    )
    assert statistics is not None and statistics.shape == (len(corpus.predictions), 10)
    assert np.array_equal(statistics, np.round(statistics))  # integer counts, exact in float64
    length, matches, ngrams = statistics[:, 0], statistics[:, 2:6], statistics[:, 6:]
    assert np.array_equal(ngrams[:, 0], length) and np.all(matches <= ngrams)
    assert np.array_equal(ngrams[:, 1], np.maximum(length - 1, 0))


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("metric_class", BLEUS, ids=lambda m: m.name)
def test_a_resamples_bleu_is_the_bleu_of_the_resampled_corpus(
    metric_class: type[Metric], dialect: str, corpus: TitleCorpus
) -> None:
    metric = metric_class(MetricOptions.model_validate({"dialect": dialect}))
    indices = np.random.default_rng(7).choice(len(corpus.predictions), size=(3, len(corpus.predictions)))
    draws = Draws.make(len(corpus.predictions), PairedSettings(bootstrap_samples=3, seed=7))
    tests = [MetricSystems([statistics_of(metric, corpus)], metric.score_from_statistics)]
    scores = resampled_scores(tests, draws.counts)[0][0]
    for row, score in zip(indices, scores):
        resampled = metric.compute([corpus.predictions[i] for i in row], [corpus.references[i] for i in row])
        assert score == resampled.score


def test_cider_resamples_keep_the_test_sets_document_frequencies(single_reference_corpus: TitleCorpus) -> None:
    corpus = single_reference_corpus
    metric = CiderD()
    per_sample = np.array(metric.compute(corpus.predictions, corpus.references).per_sample)
    draws = Draws.make(len(per_sample), PairedSettings(bootstrap_samples=3, seed=7))
    indices = np.random.default_rng(7).choice(len(per_sample), size=(3, len(per_sample)))
    tests = [MetricSystems([statistics_of(metric, corpus)], metric.score_from_statistics)]
    scores = resampled_scores(tests, draws.counts)[0][0]
    for row, score in zip(indices, scores):
        assert score == pytest.approx(per_sample[row].mean(), rel=1e-12)
        recomputed = metric.compute([corpus.predictions[i] for i in row], [corpus.references[i] for i in row])
        assert score != pytest.approx(recomputed.score, rel=1e-6)  # frequencies from the resample would differ
