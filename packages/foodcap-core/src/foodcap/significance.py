"""Bootstrap confidence intervals and paired significance tests, following sacrebleu's ``significance.py``.

Every step is sacrebleu's (2.x): ``numpy.random.default_rng(seed)``; one bootstrap index matrix of shape
(resamples, images), drawn with ``rng.choice(images, size=(resamples, images), replace=True)`` and shared by
every metric and every system; approximate randomization's swap mask ``rng.integers(2, size=(trials,
images), dtype=bool)`` from a generator seeded the same way, the same for every metric and system; 95%
bounds at ``n // 40`` and ``n - n // 40 - 1`` of the sorted resampled scores, the mean of those scores,
half the bounds' distance as the interval; ``p = (c + 1) / (n + 1)`` with ``c`` the count of strictly
greater test statistics; the bootstrap's absolute differences centred on their mean before counting.

What is resampled is each metric's per-sample statistics (``Metric.statistics``), and every resample's
score is recomputed from their sums, never per-sample scores averaged (unless the metric is a mean).
One deliberate difference: sacrebleu's approximate randomization draws its systems' intervals from the
generator after the swap mask; here the intervals always come from the one bootstrap matrix, so they do
not depend on which test is chosen (docs/significance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

TestType = Literal["bs", "ar"]
DEFAULT_SEED = 12345
DEFAULT_BOOTSTRAP_SAMPLES = 1000  # sacrebleu's --paired-bs-n
DEFAULT_RANDOMIZATION_TRIALS = 10000  # sacrebleu's --paired-ar-n
_ROWS_PER_PRODUCT = 1000  # resamples or trials turned into float rows at a time (bounds memory)

Statistics = NDArray[np.float64]
ScoreFromTotals = Callable[[Statistics], float]


@dataclass(frozen=True)
class PairedSettings:
    """Which paired test, how many resamples or trials, and the seed (recorded with the results)."""

    test: TestType = "bs"
    bootstrap_samples: int = DEFAULT_BOOTSTRAP_SAMPLES  # the bs test's resamples, and every interval's
    randomization_trials: int = DEFAULT_RANDOMIZATION_TRIALS  # the ar test's trials
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        if self.bootstrap_samples < 1 or self.randomization_trials < 1:
            raise ValueError("the numbers of resamples and trials must be at least 1")


@dataclass(frozen=True)
class Estimate:
    """One system's score on one metric, its bootstrap mean and 95% interval half-width, and p vs the baseline."""

    score: float
    mean: float
    ci: float
    p_value: float | None = None  # None for the baseline


@dataclass(frozen=True)
class Draws:
    """The random draws of one comparison, shared by every metric and system."""

    counts: NDArray[np.unsignedinteger]  # (resamples, images): how often each image is drawn into each resample
    swaps: NDArray[np.bool_] | None  # (trials, images): approximate randomization's swap mask, if that test

    @classmethod
    def make(cls, images: int, settings: PairedSettings) -> Draws:
        rng = np.random.default_rng(settings.seed)
        indices = rng.choice(images, size=(settings.bootstrap_samples, images), replace=True)
        swaps = None
        if settings.test == "ar":
            swaps = np.random.default_rng(settings.seed).integers(
                2, size=(settings.randomization_trials, images), dtype=bool
            )
        return cls(resample_counts(indices, images), swaps)


def resample_counts(indices: NDArray[np.int64], images: int) -> NDArray[np.unsignedinteger]:
    """Each resample's index row as counts per image (the smallest integers that hold them), so a resample's
    totals are one matrix product."""
    resamples = indices.shape[0]
    offsets = (indices + images * np.arange(resamples)[:, None]).ravel()
    counts = np.bincount(offsets, minlength=resamples * images).reshape(resamples, images)
    return counts.astype(np.min_scalar_type(images))


def corpus_totals(statistics: Statistics) -> Statistics:
    """The statistics summed over the whole corpus, each column as ``numpy.mean`` sums a list (pairwise),
    so a mean metric's score from its totals is bit for bit the score it computed."""
    return np.array([np.sum(statistics[:, column]) for column in range(statistics.shape[1])])


def estimate_ci(scores: NDArray[np.float64]) -> tuple[float, float]:
    """sacrebleu's ``estimate_ci``: the mean of the resampled scores and half the width of their 95% range."""
    ordered = np.sort(scores)
    count = len(ordered)
    lower_index = count // 40
    upper_index = count - lower_index - 1
    return float(ordered.mean()), float(0.5 * (ordered[upper_index] - ordered[lower_index]))


def p_value(test_statistics: NDArray[np.float64], real_difference: float) -> float:
    """sacrebleu's ``_compute_p_value``: (count strictly above the real difference + 1) / (trials + 1)."""
    count = int(np.sum(test_statistics > real_difference))
    return (count + 1) / (len(test_statistics) + 1)


@dataclass(frozen=True)
class MetricSystems:
    """One metric's statistics for every system (the baseline first) and its score from summed statistics."""

    systems: Sequence[Statistics]
    score: ScoreFromTotals


def _scores(totals: Statistics, score: ScoreFromTotals) -> NDArray[np.float64]:
    return np.array([score(row) for row in totals], dtype=np.float64)


def _products(rows: NDArray[np.unsignedinteger] | NDArray[np.bool_], columns: Statistics) -> Statistics:
    """``rows @ columns``, a block of rows at a time, each block made float64 only for its product."""
    return np.concatenate(
        [
            rows[start : start + _ROWS_PER_PRODUCT].astype(np.float64) @ columns
            for start in range(0, len(rows), _ROWS_PER_PRODUCT)
        ]
    )


def _split(totals: Statistics, widths: Sequence[int]) -> list[Statistics]:
    """Side-by-side metrics' columns back into one block per metric."""
    return np.split(totals, np.cumsum(widths)[:-1], axis=1)


def resampled_scores(
    tests: Sequence[MetricSystems], counts: NDArray[np.unsignedinteger]
) -> list[list[NDArray[np.float64]]]:
    """Per metric and system, the score of every bootstrap resample, from the statistics summed over it:
    one matrix product per system covers every metric."""
    widths = [test.systems[0].shape[1] for test in tests]
    per_system = [
        _split(_products(counts, np.hstack([test.systems[index] for test in tests])), widths)
        for index in range(len(tests[0].systems))
    ]
    return [[_scores(totals[number], test.score) for totals in per_system] for number, test in enumerate(tests)]


def randomized_differences(
    tests: Sequence[MetricSystems], index: int, swaps: NDArray[np.bool_]
) -> list[NDArray[np.float64]]:
    """Per metric, |score(A) - score(B)| per trial for system ``index`` against the baseline, where A takes the
    baseline's statistics where the mask is set and the system's elsewhere, and B the reverse (sacrebleu's
    ``shuf_a`` and ``shuf_b``; A = system + mask @ (baseline - system), B = both - A)."""
    widths = [test.systems[0].shape[1] for test in tests]
    difference = np.hstack([test.systems[0] - test.systems[index] for test in tests])
    shuffled = _split(_products(swaps, difference), widths)
    differences = []
    for test, part in zip(tests, shuffled):
        system_total = test.systems[index].sum(axis=0)
        both_total = test.systems[0].sum(axis=0) + system_total
        first = part + system_total
        differences.append(np.abs(_scores(first, test.score) - _scores(both_total - first, test.score)))
    return differences


def paired_tests(tests: Sequence[MetricSystems], draws: Draws) -> list[list[Estimate]]:
    """Per metric, each system's estimate; the first system is the baseline the others are tested against."""
    if not tests:
        return []
    resampled = resampled_scores(tests, draws.counts)
    randomized = (
        [randomized_differences(tests, index, draws.swaps) for index in range(1, len(tests[0].systems))]
        if draws.swaps is not None
        else []
    )
    results = []
    for number, test in enumerate(tests):
        full = [test.score(corpus_totals(statistics)) for statistics in test.systems]
        estimates = []
        for index in range(len(test.systems)):
            mean, ci = estimate_ci(resampled[number][index])
            p = None
            if index > 0:
                real_difference = abs(full[0] - full[index])
                if draws.swaps is None:
                    sample_differences = np.abs(resampled[number][index] - resampled[number][0])
                    p = p_value(sample_differences - sample_differences.mean(), real_difference)
                else:
                    p = p_value(randomized[index - 1][number], real_difference)
            estimates.append(Estimate(full[index], mean, ci, p))
        results.append(estimates)
    return results


def paired_test(systems: Sequence[Statistics], score: ScoreFromTotals, draws: Draws) -> list[Estimate]:
    """``paired_tests`` for one metric."""
    return paired_tests([MetricSystems(systems, score)], draws)[0]
