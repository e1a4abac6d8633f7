"""Benchmark: intervals and paired tests for the default metrics on 13,500 title-like images.

    .venv/bin/python packages/foodcap-metrics/bench/bench_significance.py [--pairs 13500] [--seed 0]

Two systems (a seeded synthetic corpus and a second system that differs from it on a third of the
images) are scored by bleu-1, bleu-2, rouge-l, meteor and cider-d (coco dialect); their statistics are
gathered once (timed on its own line), then foodcap.significance runs the paired bootstrap (1000
resamples) and approximate randomization (10000 trials) for all five metrics. Beside it, in the same
process: sacrebleu's own way of resampling (gather the index rows, sum each, one Python score per
resample) on the same BLEU statistics, and sacrebleu's whole ``PairedTest`` for BLEU on the same captions.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from foodcap import MetricOptions
from foodcap.metric import mean_statistics
from foodcap.significance import Draws, MetricSystems, PairedSettings, paired_test, paired_tests
from foodcap_metrics import Bleu1, Bleu2, CiderD, Meteor, RougeL
from foodcap_metrics.synthetic import title_corpus

METRICS = (Bleu1, Bleu2, RougeL, Meteor, CiderD)  # foodcap run's default set


def second_system(predictions: list[str], references: list[list[str]]) -> list[str]:
    """Every third caption replaced: the reference itself or its first half, alternately."""
    changed = list(predictions)
    for index in range(0, len(changed), 3):
        words = references[index][0].split()
        changed[index] = references[index][0] if index % 2 else " ".join(words[: max(1, len(words) // 2)])
    return changed


def timed(work):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def sacrebleu_way(statistics: np.ndarray, metric: Bleu1, samples: int, seed: int) -> float:
    """sacrebleu's _bootstrap_resample loop on foodcap's BLEU statistics: seconds for one system."""
    idxs = np.random.default_rng(seed).choice(len(statistics), size=(samples, len(statistics)), replace=True)
    stats = statistics.astype("float32")
    started = time.perf_counter()
    [metric.score_from_statistics(s.sum(0)) for s in stats[idxs]]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=13500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    corpus = title_corpus(args.pairs, seed=args.seed)
    systems = [list(corpus.predictions), second_system(list(corpus.predictions), list(corpus.references))]
    metrics = [metric(MetricOptions()) for metric in METRICS]

    def gather() -> list[list[np.ndarray]]:
        gathered = []
        for metric in metrics:
            per_system = []
            for captions in systems:
                result = metric.compute(captions, corpus.references)
                own = metric.statistics(captions, corpus.references)
                per_system.append(own if own is not None else mean_statistics(result.per_sample))
            gathered.append(per_system)
        return gathered

    statistics, gather_seconds = timed(gather)
    print(
        f"{platform.machine()}, {os.cpu_count()} CPUs; {args.pairs} images, 2 systems, "
        f"{len(metrics)} metrics ({', '.join(m.name for m in metrics)})"
    )
    print(f"scoring both systems and gathering statistics (not part of the test): {gather_seconds:.2f} s")
    rows = []
    for test in ("bs", "ar"):
        settings = PairedSettings(test)
        draws, draw_seconds = timed(lambda settings=settings: Draws.make(args.pairs, settings))
        tests = [MetricSystems(s, m.score_from_statistics) for m, s in zip(metrics, statistics)]
        estimates, seconds = timed(lambda draws=draws, tests=tests: paired_tests(tests, draws))
        name = "paired bootstrap, 1000 resamples" if test == "bs" else "approximate randomization, 10000 trials"
        rows.append((name, draw_seconds, seconds))
        shown = ", ".join(f"{m.name} p={e[1].p_value:.4f}" for m, e in zip(metrics, estimates))
        print(f"  {name}: draws {draw_seconds:.2f} s, 5 metrics x 2 systems {seconds:.2f} s ({shown})")
    bleu = metrics[0]
    ours_bleu, ours_seconds = timed(
        lambda: paired_test(statistics[0], bleu.score_from_statistics, Draws.make(args.pairs, PairedSettings()))
    )
    theirs_seconds = 2 * sacrebleu_way(statistics[0][0], bleu, 1000, 12345)
    print("\n| 1000 bootstrap resamples, BLEU, 2 systems | seconds |\n| --- | ---: |")
    print(f"| sacrebleu's loop (gather rows, sum each) on the same statistics | {theirs_seconds:.2f} |")
    print(f"| foodcap.significance (one counts matrix, one product per system), draws included | {ours_seconds:.2f} |")
    try:
        from sacrebleu.metrics import BLEU
        from sacrebleu.significance import PairedTest
    except ImportError:
        print("| sacrebleu's PairedTest (its own 13a statistics included) | not installed |")
    else:
        test = PairedTest(
            list(zip(("a", "b"), systems)),
            {"BLEU": BLEU(tokenize="13a", smooth_method="none")},
            [[refs[0] for refs in corpus.references]],
            test_type="bs",
            n_samples=1000,
        )
        _, whole = timed(test)
        print(f"| sacrebleu's PairedTest (its own 13a statistics included) | {whole:.2f} |")
    print("\n| test, all 5 metrics, 2 systems | draws (s) | tests (s) |\n| --- | ---: | ---: |")
    for name, draw_seconds, seconds in rows:
        print(f"| {name} | {draw_seconds:.2f} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
