"""``meteor-1.5``: the original METEOR 1.5 jar that pycocoevalcap ships, for COCO-comparable numbers.

It needs Java and pycocoevalcap (``pip install 'foodcap-metrics[test]'``); where either is missing it is
still registered, and the pre-flight of ``run``/``train`` names what to install before any model loads. It
scores pycocoevalcap's PTB tokens with its own wrapper, so its numbers are pycocoevalcap's METEOR.
Unlike ``meteor`` it uses paraphrase tables and METEOR 1.5's corpus-level aggregation, and it is slow.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Sequence

from foodcap import FoodcapError, Metric, MetricScore

from .corpus import Corpus, coco_strings


def missing() -> list[str]:
    """What meteor-1.5 lacks here, one line each with its remedy."""
    lines = []
    if shutil.which("java") is None:
        lines.append("meteor-1.5 needs Java: apt-get install default-jre-headless")
    if importlib.util.find_spec("pycocoevalcap") is None:
        lines.append("meteor-1.5 needs pycocoevalcap: pip install pycocoevalcap")
    return lines


def available() -> bool:
    return not missing()


class Meteor15(Metric):
    """METEOR 1.5 via pycocoevalcap's Java wrapper (one JVM per call)."""

    name = "meteor-1.5"
    description = "METEOR 1.5, the Java original pycocoevalcap runs (paraphrases; needs Java and pycocoevalcap)"

    @classmethod
    def missing_resources(cls) -> list[str]:
        return missing()

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        if not available():
            raise FoodcapError("; ".join(missing()))
        from pycocoevalcap.meteor.meteor import Meteor as JavaMeteor

        tokenized_predictions, tokenized_references = coco_strings(Corpus(predictions, references))
        score, per_sample = JavaMeteor().compute_score(
            {i: list(refs) for i, refs in enumerate(tokenized_references)},
            {i: [prediction] for i, prediction in enumerate(tokenized_predictions)},
        )
        return MetricScore(float(score), [float(s) for s in per_sample])
