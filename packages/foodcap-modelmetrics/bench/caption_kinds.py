"""Which metric credits which kind of caption: the bundled sample's titles rewritten five ways, scored.

    .venv/bin/python packages/foodcap-modelmetrics/bench/caption_kinds.py [--clip MODEL] [--bert MODEL]

Every sample title is "Ingredient Dish [with Garnish]". Each caption kind is made from it by a fixed
rule, so the table shows what each metric rewards on single-reference titles, with no captioner involved:
exact title; a VLM-style description of the same dish; the same dish reworded; the right dish with a
wrong main ingredient; another image's title. n-gram metrics always run; clipscore, refclipscore and
bertscore run when --clip / --bert name weights (a folder, or a hub id in the local cache).
Prints a markdown table (used in docs/metrics.md).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import foodcap

NGRAM = ["bleu-1", "bleu-4", "rouge-l", "meteor", "cider-d"]


def parts(title: str) -> tuple[str, str, str | None]:
    """(ingredient, dish, garnish) of "Ingredient Dish [with Garnish]"."""
    head, _, garnish = title.partition(" with ")
    ingredient, _, dish = head.rpartition(" ")
    return ingredient, dish, garnish or None


def described(title: str, _: str) -> str:
    ingredient, dish, garnish = parts(title)
    return f"A plate of {ingredient.lower()} {dish.lower()}" + (f" topped with {garnish.lower()}" if garnish else "")


def reworded(title: str, _: str) -> str:
    ingredient, dish, garnish = parts(title)
    return f"{dish} of {ingredient.lower()}" + (f", {garnish.lower()} on top" if garnish else "")


def wrong_ingredient(title: str, other: str) -> str:
    ingredient, dish, garnish = parts(title)
    swapped = parts(other)[0]
    if swapped == ingredient:
        swapped = "Pumpkin" if ingredient != "Pumpkin" else "Lemon"
    return f"{swapped} {dish}" + (f" with {garnish}" if garnish else "")


KINDS: dict[str, Callable[[str, str], str]] = {
    "exact title": lambda title, _: title,
    "same dish, described (VLM-style)": described,
    "same dish, reworded": reworded,
    "right dish, wrong main ingredient": wrong_ingredient,
    "another image's title": lambda _, other: other,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", help="CLIP weights for clipscore and refclipscore")
    parser.add_argument("--bert", help="weights for bertscore (roberta-large in the local cache, say)")
    args = parser.parse_args()
    samples = foodcap.load_dataset("sample").samples
    titles = [sample.references[0] for sample in samples]
    others = titles[len(titles) // 2 :] + titles[: len(titles) // 2]  # a fixed rotation: never the image's own
    metrics, options = list(NGRAM), {}
    if args.clip:
        metrics += ["clipscore", "refclipscore"]
        options |= {"clipscore": {"model": args.clip}, "refclipscore": {"model": args.clip}}
    if args.bert:
        metrics.append("bertscore")
        options["bertscore"] = {"model": args.bert}
    print(f"{len(samples)} images of the bundled sample, one reference each (coco dialect)\n")
    print("| caption | " + " | ".join(metrics) + " |")
    print("| --- |" + " ---: |" * len(metrics))
    for kind, rewrite in KINDS.items():
        captions = [rewrite(title, other) for title, other in zip(titles, others)]
        scores = foodcap.score(
            captions,
            titles,
            metrics=metrics,
            images=[s.image for s in samples] if args.clip else None,
            metric_options=options,
        )
        print(f'| {kind} (e.g. "{captions[0]}") | ' + " | ".join(f"{scores.corpus[m]:.3f}" for m in metrics) + " |")


if __name__ == "__main__":
    main()
