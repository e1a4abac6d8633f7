"""``meteor-1.5``: the original METEOR 1.5 jar that pycocoevalcap ships, for COCO-comparable numbers.

Registered only where Java and pycocoevalcap are installed (``pip install 'foodcap-metrics[test]'``). It
scores pycocoevalcap's PTB tokens with its own wrapper, so its numbers are pycocoevalcap's METEOR.
Unlike ``meteor`` it uses paraphrase tables and METEOR 1.5's corpus-level aggregation, and it is slow.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Sequence

from foodcap import FoodcapError, Metric, MetricScore

from .corpus import Corpus, coco_strings


def available() -> bool:
    return shutil.which("java") is not None and importlib.util.find_spec("pycocoevalcap") is not None


class Meteor15(Metric):
    """METEOR 1.5 via pycocoevalcap's Java wrapper (one JVM per call)."""

    name = "meteor-1.5"
    description = "METEOR 1.5, the Java original pycocoevalcap runs (paraphrases; needs Java and pycocoevalcap)"

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        if not available():
            raise FoodcapError("meteor-1.5 needs Java and pycocoevalcap: apt-get install default-jre-headless; "
                               "pip install pycocoevalcap")
        from pycocoevalcap.meteor.meteor import Meteor as JavaMeteor

        tokenized_predictions, tokenized_references = coco_strings(Corpus(predictions, references))
        score, per_sample = JavaMeteor().compute_score(
            {i: list(refs) for i, refs in enumerate(tokenized_references)},
            {i: [prediction] for i, prediction in enumerate(tokenized_predictions)},
        )
        return MetricScore(float(score), [float(s) for s in per_sample])
