"""The package registers its metrics through the ``foodcap`` entry point, like any third-party plugin."""

from __future__ import annotations

import pytest

from foodcap import FoodcapError, MetricOptions
from foodcap.registry import get_registry, reset_registry
from foodcap_metrics import Bleu1, Bleu2, CiderD, ngrams


def test_entry_point_registers_every_metric(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOODCAP_PLUGINS", "foodcap-metrics")  # skip loading the captioner plugins (torch)
    reset_registry()
    metrics = get_registry().metrics
    for name in ("bleu-1", "bleu-2", "bleu-3", "bleu-4", "rouge-l", "meteor", "cider-d"):
        assert name in metrics, sorted(metrics)
        assert metrics[name].source.distribution == "foodcap-metrics"
        assert metrics[name].obj.description
        assert metrics[name].obj.higher_is_better


def test_a_corpus_is_tokenized_and_counted_once_for_all_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = ngrams.ngram_counts
    monkeypatch.setattr(ngrams, "ngram_counts", lambda words, *a: calls.append(1) or real(words, *a))
    predictions = ["fig and walnut tart", "spicy pork noodles"]
    references = [["Fig Walnut Tart"], ["Spicy Pork Noodle Soup", "Pork Noodles"]]
    Bleu1(MetricOptions(dialect="coco")).compute(predictions, references)
    counted = len(calls)
    assert counted == 5  # two predictions, three references
    # New list objects with the same content: still the same corpus, nothing is counted again.
    Bleu2(MetricOptions(dialect="coco")).compute(list(predictions), [list(r) for r in references])
    CiderD().compute(list(predictions), [list(r) for r in references])
    assert len(calls) == counted
    Bleu1(MetricOptions(dialect="hf")).compute(predictions, references)  # another tokenization: counted once
    assert len(calls) == 2 * counted


def test_meteor_1_5_runs_pycocoevalcaps_jar_wrapper_on_its_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """The optional jar metric hands pycocoevalcap's Meteor exactly what COCOEvalCap would (no JVM here)."""
    from foodcap_metrics import meteor15

    from conftest import _java_missing, skip_or_fail

    skip_or_fail(_java_missing())
    import pycocoevalcap.meteor.meteor as jar
    from oracles import pycocoevalcap_scores

    calls = []

    class RecordingMeteor:
        def compute_score(self, gts: dict, res: dict) -> tuple[float, list[float]]:
            calls.append((gts, res))
            return 0.25, [0.5, 0.0]

    monkeypatch.setattr(jar, "Meteor", RecordingMeteor)
    predictions = ["Mom's Apple-Pie!", ""]
    references = [['Grandma\'s "Best" Apple Pie', "Apple pie (classic)"], ["Lemon Tart"]]
    result = meteor15.Meteor15().compute(predictions, references)
    assert (result.score, result.per_sample) == (0.25, [0.5, 0.0])
    res, gts = pycocoevalcap_scores(predictions, references)["tokens"]
    assert calls == [(gts, res)]


def test_meteor_1_5_without_java_is_registered_and_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Asking for meteor-1.5 on a machine without Java stops the run in pre-flight with the remedy,
    instead of calling it an unknown metric."""
    from foodcap_metrics import meteor15

    monkeypatch.setattr(meteor15.shutil, "which", lambda name: None)
    monkeypatch.setenv("FOODCAP_PLUGINS", "foodcap-metrics")
    reset_registry()
    entry = get_registry().metric("meteor-1.5")
    assert entry.obj.missing_resources()[0] == "meteor-1.5 needs Java: apt-get install default-jre-headless"
    with pytest.raises(FoodcapError, match="meteor-1.5 needs Java"):
        entry.obj().compute(["pea soup"], [["Pea Soup"]])
    reset_registry()
