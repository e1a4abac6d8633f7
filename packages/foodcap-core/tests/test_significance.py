"""foodcap.significance follows sacrebleu's significance.py: checked against a line-by-line transcription of its
loops (gathered index rows, pos_sel @ baseline + neg_sel @ system), which sacrebleu itself is not needed for."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from foodcap.metric import Metric, MetricScore, mean_statistics
from foodcap.significance import (
    Draws,
    MetricSystems,
    PairedSettings,
    corpus_totals,
    estimate_ci,
    p_value,
    paired_test,
    paired_tests,
)

IMAGES = 300


class MeanOfSamples(Metric):
    """A metric that leaves statistics to the interface's defaults."""

    name = "mean-of-samples"

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        raise AssertionError("the test gives the statistics; nothing is scored")


def ratio(totals: np.ndarray) -> float:
    """A corpus score that is not a mean: matched words over caption words, summed first (BLEU-1 without BP)."""
    return float(totals[0] / totals[1]) if totals[1] else 0.0


def ratio_systems(seed: int = 0) -> list[np.ndarray]:
    """Three systems' (matches, words) per image, the later ones a little and a lot better than the first."""
    rng = np.random.default_rng(seed)
    words = rng.integers(1, 12, size=IMAGES)
    systems = []
    for skill in (0.40, 0.42, 0.55):
        matches = rng.binomial(words, skill)
        systems.append(np.column_stack([matches, words]).astype(np.float64))
    return systems


def sacrebleu_transcribed(systems: list[np.ndarray], score, test: str, n: int, seed: int):  # type: ignore[no-untyped-def]
    """sacrebleu 2.x's _paired_bs_test / _paired_ar_test / _bootstrap_resample, loops and all."""

    def ci(scores: np.ndarray) -> tuple[float, float]:
        scores = np.sort(scores)
        lower, upper = scores[len(scores) // 40], scores[len(scores) - len(scores) // 40 - 1]
        return scores.mean(), 0.5 * (upper - lower)

    def bootstrap(stats: np.ndarray, samples: int) -> np.ndarray:
        idxs = np.random.default_rng(seed).choice(len(stats), size=(samples, len(stats)), replace=True)
        return np.array([score(s.sum(0)) for s in stats[idxs]])

    baseline = systems[0]
    results = [(score(baseline.sum(0)), *ci(bootstrap(baseline, 1000 if test == "ar" else n)), None)]
    for system in systems[1:]:
        diff = abs(score(baseline.sum(0)) - score(system.sum(0)))
        if test == "bs":
            idxs = np.random.default_rng(seed).choice(len(system), size=(n, len(system)), replace=True)
            bl = np.array([score(s.sum(0)) for s in baseline[idxs]])
            sy = np.array([score(s.sum(0)) for s in system[idxs]])
            sample_diffs = np.abs(sy - bl)
            stats = sample_diffs - sample_diffs.mean()
            mean, half = ci(sy)
        else:
            pos_sel = np.random.default_rng(seed).integers(2, size=(n, len(system)), dtype=bool)
            neg_sel = ~pos_sel
            shuf_a, shuf_b = pos_sel @ baseline + neg_sel @ system, neg_sel @ baseline + pos_sel @ system
            stats = np.abs(np.array([score(x) for x in shuf_a]) - np.array([score(x) for x in shuf_b]))
            mean, half = ci(bootstrap(system, 1000))  # foodcap's intervals: the one bootstrap matrix
        c = np.sum(stats > diff).item()
        results.append((score(system.sum(0)), mean, half, (c + 1) / (len(stats) + 1)))
    return results


@pytest.mark.parametrize("test, n", [("bs", 1000), ("bs", 333), ("ar", 2000)])
@pytest.mark.parametrize("kind", ["ratio", "mean"])
def test_estimates_equal_sacrebleus_procedure(test: str, n: int, kind: str) -> None:
    systems = ratio_systems()
    score = ratio
    if kind == "mean":  # per-sample scores through the Metric default: their mean is the corpus score
        systems = [mean_statistics(s[:, 0] / s[:, 1]) for s in systems]
        score = MeanOfSamples().score_from_statistics  # the interface's default
    settings = PairedSettings(test, bootstrap_samples=n if test == "bs" else 1000, randomization_trials=n)
    ours = paired_test(systems, score, Draws.make(IMAGES, settings))
    expected = sacrebleu_transcribed(systems, score, test, n, settings.seed)
    for estimate, (score_, mean, half, p) in zip(ours, expected):
        assert estimate.score == pytest.approx(score_, rel=1e-12)
        assert estimate.mean == pytest.approx(mean, rel=1e-12) and estimate.ci == pytest.approx(half, rel=1e-9)
        assert estimate.p_value == p
    assert ours[2].p_value is not None and ours[2].p_value < 0.01  # a clearly better system is told apart


def test_one_matrix_for_every_metric_and_system() -> None:
    """The same seed gives the same draws whichever metric or test asks; another seed other draws."""
    settings = PairedSettings("ar", randomization_trials=50)
    first, again = Draws.make(IMAGES, settings), Draws.make(IMAGES, PairedSettings("bs"))
    assert np.array_equal(first.counts, again.counts) and first.counts.shape == (1000, IMAGES)
    assert np.all(first.counts.sum(axis=1) == IMAGES)  # each resample draws as many images as the corpus has
    assert first.swaps is not None and first.swaps.shape == (50, IMAGES) and again.swaps is None
    assert not np.array_equal(Draws.make(IMAGES, PairedSettings(seed=1)).counts, first.counts)


def test_identical_systems_get_sacrebleus_smallest_p() -> None:
    """Strict comparison, as in sacrebleu: a zero difference is never exceeded, so p = 1 / (n + 1)."""
    system = ratio_systems()[0]
    for test in ("bs", "ar"):
        estimates = paired_test([system, system.copy()], ratio, Draws.make(IMAGES, PairedSettings(test)))
        trials = 1000 if test == "bs" else 10000
        assert estimates[1].p_value == 1 / (trials + 1) and estimates[1].score == estimates[0].score


def test_interval_and_p_value_helpers() -> None:
    scores = np.arange(80, dtype=np.float64)[::-1]  # unsorted on purpose
    assert estimate_ci(scores) == (39.5, 0.5 * (77 - 2))  # bounds at n//40 = 2 and n - 2 - 1 = 77
    assert p_value(np.array([0.1, 0.2, 0.3, 0.3]), 0.2) == (2 + 1) / (4 + 1)
    column_sums = corpus_totals(mean_statistics([0.1] * 7))
    assert column_sums[0] == np.mean(np.array([0.1] * 7)) * 7 and column_sums[1] == 7
    with pytest.raises(ValueError):
        PairedSettings(bootstrap_samples=0)


@pytest.mark.parametrize("test", ["bs", "ar"])
def test_several_metrics_at_once_equal_each_alone(test: str) -> None:
    """paired_tests shares one matrix product per system among metrics; the estimates are each metric's own."""
    ratios = ratio_systems(1)
    means = [mean_statistics(s[:, 0] / s[:, 1]) for s in ratios]
    draws = Draws.make(IMAGES, PairedSettings(test, randomization_trials=500))
    together = paired_tests(
        [MetricSystems(ratios, ratio), MetricSystems(means, MeanOfSamples().score_from_statistics)], draws
    )
    alone = [paired_test(ratios, ratio, draws), paired_test(means, MeanOfSamples().score_from_statistics, draws)]
    for both, single in zip(together, alone):
        for estimate, expected in zip(both, single):
            assert estimate.p_value == expected.p_value
            assert estimate.mean == pytest.approx(expected.mean, rel=1e-12)
            assert estimate.ci == pytest.approx(expected.ci, rel=1e-9, abs=1e-15)
