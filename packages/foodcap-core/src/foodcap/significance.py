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

    def describe(self) -> str:
        test = (
            "paired bootstrap, "
            if self.test == "bs"
            else f"approximate randomization ({self.randomization_trials} trials), "
        )
        return f"{test}{self.bootstrap_samples} bootstrap resamples, seed {self.seed}"


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

    counts: NDArray[np.float64]  # (resamples, images): how often each image is drawn into each resample
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


def resample_counts(indices: NDArray[np.int64], images: int) -> NDArray[np.float64]:
    """Each resample's index row as counts per image, so a resample's totals are one matrix product."""
    resamples = indices.shape[0]
    offsets = (indices + images * np.arange(resamples)[:, None]).ravel()
    return np.bincount(offsets, minlength=resamples * images).reshape(resamples, images).astype(np.float64)


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


def _scores(totals: Statistics, score: ScoreFromTotals) -> NDArray[np.float64]:
    return np.array([score(row) for row in totals], dtype=np.float64)


def resampled_scores(
    statistics: Statistics, counts: NDArray[np.float64], score: ScoreFromTotals
) -> NDArray[np.float64]:
    """The score of every bootstrap resample, from the statistics summed over it."""
    totals = np.concatenate(
        [counts[start : start + _ROWS_PER_PRODUCT] @ statistics for start in range(0, len(counts), _ROWS_PER_PRODUCT)]
    )
    return _scores(totals, score)


def randomized_differences(
    baseline: Statistics, system: Statistics, swaps: NDArray[np.bool_], score: ScoreFromTotals
) -> NDArray[np.float64]:
    """|score(A) - score(B)| per trial, where A takes the baseline's statistics where the mask is set and
    the system's elsewhere, and B the reverse (sacrebleu's ``shuf_a`` and ``shuf_b``)."""
    system_total, both_total = system.sum(axis=0), baseline.sum(axis=0) + system.sum(axis=0)
    difference = baseline - system
    shuffled = (
        np.concatenate(
            [
                swaps[start : start + _ROWS_PER_PRODUCT].astype(np.float64) @ difference
                for start in range(0, len(swaps), _ROWS_PER_PRODUCT)
            ]
        )
        + system_total
    )
    return np.abs(_scores(shuffled, score) - _scores(both_total - shuffled, score))


def paired_test(systems: Sequence[Statistics], score: ScoreFromTotals, draws: Draws) -> list[Estimate]:
    """Each system's estimate on one metric; the first system is the baseline the others are tested against."""
    full = [score(corpus_totals(statistics)) for statistics in systems]
    resampled = [resampled_scores(statistics, draws.counts, score) for statistics in systems]
    estimates = []
    for index, statistics in enumerate(systems):
        mean, ci = estimate_ci(resampled[index])
        p = None
        if index > 0:
            real_difference = abs(full[0] - full[index])
            if draws.swaps is None:
                sample_differences = np.abs(resampled[index] - resampled[0])
                p = p_value(sample_differences - sample_differences.mean(), real_difference)
            else:
                p = p_value(randomized_differences(systems[0], statistics, draws.swaps, score), real_difference)
        estimates.append(Estimate(full[index], mean, ci, p))
    return estimates
