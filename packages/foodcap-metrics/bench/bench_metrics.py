"""Benchmark: foodcap-metrics' full suite beside pycocoevalcap and beside plain nltk + rouge-score.

    .venv/bin/python packages/foodcap-metrics/bench/bench_metrics.py [--pairs 13500] [--seed 0] [--repeat 3]

Each contender runs in a fresh Python process on the same synthetic title corpus (seeded), so no one
profits from another's caches; imports are timed apart from scoring. foodcap's one-time WordNet index
build (into its cache folder) happens before timing and is reported on its own line. The script then
checks that the numbers agree: foodcap's coco dialect against pycocoevalcap (BLEU, ROUGE-L, CIDEr-D),
its hf dialect against evaluate's formulas run with nltk and rouge-score (BLEU, ROUGE-L, METEOR).
pycocoevalcap's METEOR is the Java METEOR 1.5, a different algorithm from nltk's: it is timed, not compared.
Metrics are CPU work; there is no accelerator path.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUITE = ["bleu-1", "bleu-2", "bleu-3", "bleu-4", "rouge-l", "meteor", "cider-d"]


def _corpus(pairs: int, seed: int):  # noqa: ANN202
    from foodcap_metrics.synthetic import title_corpus

    return title_corpus(pairs, seed=seed)


def part_foodcap(pairs: int, seed: int, dialect: str) -> dict:
    started = time.perf_counter()
    from foodcap import MetricOptions
    from foodcap_metrics.plugin import METRICS

    imported = time.perf_counter() - started
    corpus = _corpus(pairs, seed)
    result: dict = {"import": imported, "seconds": {}, "scores": {}, "per_sample": {}}
    options = MetricOptions(dialect=dialect)  # type: ignore[arg-type]
    cpu = time.process_time()
    for metric in METRICS:
        started = time.perf_counter()
        score = metric(options).compute(corpus.predictions, corpus.references)
        result["seconds"][metric.name] = time.perf_counter() - started
        result["scores"][metric.name] = score.score
        result["per_sample"][metric.name] = score.per_sample
    result["cpu_main_process"] = time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["cpu_workers"] = children.ru_utime + children.ru_stime
    return result


def part_pycocoevalcap(pairs: int, seed: int) -> dict:
    started = time.perf_counter()
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    imported = time.perf_counter() - started
    corpus = _corpus(pairs, seed)
    seconds, scores, per_sample = {}, {}, {}
    started = time.perf_counter()
    tokenizer = PTBTokenizer()
    gts = tokenizer.tokenize({i: [{"caption": r} for r in refs] for i, refs in enumerate(corpus.references)})
    res = tokenizer.tokenize({i: [{"caption": p}] for i, p in enumerate(corpus.predictions)})
    seconds["tokenize (Java)"] = time.perf_counter() - started
    started = time.perf_counter()
    bleu, bleu_per_image = Bleu(4).compute_score(gts, res, verbose=0)
    seconds["bleu-1..4"] = time.perf_counter() - started
    for k in range(4):
        scores[f"bleu-{k + 1}"], per_sample[f"bleu-{k + 1}"] = bleu[k], list(bleu_per_image[k])
    for name, scorer in (("meteor (Java 1.5)", Meteor), ("rouge-l", Rouge), ("cider-d", Cider)):
        started = time.perf_counter()
        value, values = scorer().compute_score(gts, res)
        seconds[name] = time.perf_counter() - started
        scores[name], per_sample[name] = float(value), [float(v) for v in values]
    return {"import": imported, "seconds": seconds, "scores": scores, "per_sample": per_sample}


def part_nltk(pairs: int, seed: int) -> dict:
    """Hugging Face evaluate's bleu, rouge and meteor formulas, run directly with nltk and rouge-score."""
    started = time.perf_counter()
    sys.path.insert(0, str(HERE.parent / "tests"))
    from nltk.tokenize import word_tokenize
    from nltk.translate.meteor_score import meteor_score
    from oracles import hf_bleu, hf_rouge_l

    from foodcap_metrics.wordnet import nltk_wordnet

    imported = time.perf_counter() - started
    corpus = _corpus(pairs, seed)
    seconds, scores, per_sample = {}, {}, {}
    for order in range(1, 5):  # one evaluate compute() per BLEU order, each tokenizing the corpus
        started = time.perf_counter()
        scores[f"bleu-{order}"] = hf_bleu(corpus.predictions, corpus.references, order)
        seconds[f"bleu-{order}"] = time.perf_counter() - started
    started = time.perf_counter()
    per_sample["rouge-l"] = hf_rouge_l(corpus.predictions, corpus.references)
    scores["rouge-l"] = sum(per_sample["rouge-l"]) / len(per_sample["rouge-l"])
    seconds["rouge-l"] = time.perf_counter() - started
    started = time.perf_counter()
    wordnet = nltk_wordnet()
    wordnet.synsets("dog")
    seconds["wordnet load"] = time.perf_counter() - started
    started = time.perf_counter()
    per_sample["meteor"] = [
        meteor_score(
            [word_tokenize(r, preserve_line=True) for r in refs], word_tokenize(p, preserve_line=True), wordnet=wordnet
        )
        for p, refs in zip(corpus.predictions, corpus.references)
    ]
    scores["meteor"] = sum(per_sample["meteor"]) / len(per_sample["meteor"])
    seconds["meteor"] = time.perf_counter() - started
    return {"import": imported, "seconds": seconds, "scores": scores, "per_sample": per_sample}


def _in_fresh_process(part: str, pairs: int, seed: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--part", part, "--pairs", str(pairs), "--seed", str(seed)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _index_build_seconds() -> str:
    from foodcap_metrics import wordnet

    source = wordnet.find_wordnet()
    started = time.perf_counter()
    index = wordnet.synonym_index()
    took = time.perf_counter() - started
    return f"WordNet ({source.origin}, {source.location}) synonym index {index.path.name}: ready in {took:.2f} s"


def _max_difference(a: list[float], b: list[float]) -> float:
    assert len(a) == len(b)
    return max(abs(x - y) for x, y in zip(a, b))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=13500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender; the fastest is reported")
    parser.add_argument("--part", choices=["foodcap-coco", "foodcap-hf", "pycocoevalcap", "nltk"])
    args = parser.parse_args()
    if args.part:
        parts = {
            "foodcap-coco": lambda: part_foodcap(args.pairs, args.seed, "coco"),
            "foodcap-hf": lambda: part_foodcap(args.pairs, args.seed, "hf"),
            "pycocoevalcap": lambda: part_pycocoevalcap(args.pairs, args.seed),
            "nltk": lambda: part_nltk(args.pairs, args.seed),
        }
        print(json.dumps(parts[args.part]()))
        return

    print(
        f"{args.pairs} title-like pairs (seed {args.seed}), one reference each; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPU cores, Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f}"
    )
    print(_index_build_seconds())
    runs: dict[str, list[dict]] = {part: [] for part in ("foodcap-coco", "pycocoevalcap", "foodcap-hf", "nltk")}
    for _ in range(args.repeat):  # interleaved, so that a busy spell on the machine hits every contender
        for part, results in runs.items():
            results.append(_in_fresh_process(part, args.pairs, args.seed))
    coco, pyco, hf, nltk = (min(results, key=lambda r: sum(r["seconds"].values())) for results in runs.values())
    print(f"each contender run {args.repeat} times in fresh processes, interleaved; the fastest run is shown")

    print("\nTime in seconds (imports excluded and listed last)")
    print(f"{'':22s}{'foodcap coco':>14s}{'pycocoevalcap':>15s}{'foodcap hf':>13s}{'nltk+rouge-score':>18s}")
    rows = [
        (
            "bleu-1..4",
            ["bleu-1", "bleu-2", "bleu-3", "bleu-4"],
            ["tokenize (Java)", "bleu-1..4"],
            ["bleu-1", "bleu-2", "bleu-3", "bleu-4"],
        ),
        ("rouge-l", ["rouge-l"], ["rouge-l"], ["rouge-l"]),
        ("meteor", ["meteor"], ["meteor (Java 1.5)"], ["meteor"]),
        ("  nltk WordNet load", [], [], ["wordnet load"]),
        ("cider-d", ["cider-d"], ["cider-d"], []),
    ]
    totals = [0.0, 0.0, 0.0, 0.0]
    for label, ours, theirs, plain in rows:
        cells = [
            sum(coco["seconds"][k] for k in ours),
            sum(pyco["seconds"][k] for k in theirs),
            sum(hf["seconds"][k] for k in ours),
            sum(nltk["seconds"][k] for k in plain) if plain else None,
        ]
        totals = [t + (c or 0.0) for t, c in zip(totals, cells)]
        print(
            f"{label:22s}"
            + "".join(f"{c:>{w}.2f}" if c is not None else f"{'n/a':>{w}s}" for c, w in zip(cells, (14, 15, 13, 18)))
        )
    print(
        f"{'full suite':22s}{totals[0]:>14.2f}{totals[1]:>15.2f}{totals[2]:>13.2f}{totals[3]:>18.2f}"
        "   (nltk+rouge-score: no CIDEr)"
    )
    print(f"{'imports':22s}{coco['import']:>14.2f}{pyco['import']:>15.2f}{hf['import']:>13.2f}{nltk['import']:>18.2f}")
    print(
        f"speed-up: coco {totals[1] / totals[0]:.1f}x over pycocoevalcap; "
        f"hf {totals[3] / (totals[2] - hf['seconds']['cider-d']):.1f}x over nltk+rouge-score (same metrics, no CIDEr)"
    )
    print(
        f"foodcap CPU seconds, main process + forked worker: coco {coco['cpu_main_process']:.2f} + "
        f"{coco['cpu_workers']:.2f}, hf {hf['cpu_main_process']:.2f} + {hf['cpu_workers']:.2f}"
    )

    print("\nAgreement (corpus score, and the largest per-sample difference)")
    print(
        f"{'':10s}{'foodcap coco':>14s}{'pycocoevalcap':>15s}{'max |diff|':>12s}{'foodcap hf':>13s}"
        f"{'nltk/rouge':>12s}{'max |diff|':>12s}"
    )
    failures = []
    for name in SUITE:
        line = f"{name:10s}{coco['scores'][name]:>14.6f}"
        if name in pyco["scores"]:
            diff = _max_difference(coco["per_sample"][name], pyco["per_sample"][name])
            line += f"{pyco['scores'][name]:>15.6f}{diff:>12.1e}"
            if abs(coco["scores"][name] - pyco["scores"][name]) > 1e-6 or diff > 1e-6:
                failures.append(f"coco {name}")
        else:
            line += f"{pyco['scores']['meteor (Java 1.5)']:>15.6f}{'(1.5)':>12s}"
        line += f"{hf['scores'][name]:>13.6f}"
        if name in nltk["scores"]:
            line += f"{nltk['scores'][name]:>12.6f}"
            if name in nltk["per_sample"]:
                diff = _max_difference(hf["per_sample"][name], nltk["per_sample"][name])
                line += f"{diff:>12.1e}"
                failures.append(f"hf {name}") if diff > 1e-6 else None
            if abs(hf["scores"][name] - nltk["scores"][name]) > 1e-6:
                failures.append(f"hf {name} (corpus)")
        print(line)
    print("\nall numbers match" if not failures else f"\nMISMATCH: {', '.join(failures)}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
