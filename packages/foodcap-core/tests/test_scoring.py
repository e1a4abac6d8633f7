"""Scoring a run: which metrics, their scores against a hand count, a failing metric, the shuffled control, a folder.

A Registry is built here with fake metrics, so nothing depends on which metric plugins are installed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from foodcap import FoodcapError, Metric, MetricScore
from foodcap.config import DEFAULT_METRICS
from foodcap.dataset import Sample
from foodcap.plugins import PluginSource
from foodcap.registry import Entry, Registry
from foodcap.runs import scoring
from foodcap.runs.folder import RunFolder
from foodcap.runs.merge import merge_samples
from foodcap.runs.parts import PartWriter
from foodcap.runs.scoring import Scores, chosen_metric_names, resolve_metrics, score, score_folder, shuffled_control


class ExactMatch(Metric):
    """1 where the caption equals any reference (case-insensitively in the ``hf`` dialect), else 0."""

    name = "exact"

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        fold = str.lower if self.options.dialect == "hf" else str
        per_sample = [float(any(fold(p) == fold(r) for r in refs)) for p, refs in zip(predictions, references)]
        return MetricScore(sum(per_sample) / len(per_sample), per_sample)


class FirstWord(Metric):
    """1 where the caption's first word is the first reference's first word."""

    name = "bleu-2"  # one of the default set, standing in for it

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        per_sample = [float(p.split()[:1] == refs[0].split()[:1]) for p, refs in zip(predictions, references)]
        return MetricScore(sum(per_sample) / len(per_sample), per_sample)


class Broken(Metric):
    name = "broken"

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        raise TypeError("no Java here")


def registry(*metrics: type[Metric]) -> Registry:
    source = PluginSource("test-metrics", "local")
    return Registry(metrics={m.name: Entry(m.name, "metric", m, source) for m in metrics})


PREDICTIONS = ["tomato soup", "pea soup", "Lemon Cake", "blueberry tart"]
REFERENCES = [["Tomato soup", "tomato soup"], ["pea soup"], ["lemon cake"], ["rice pudding"]]


def test_named_metrics_are_used_as_given_and_the_default_is_the_installed_part_of_the_set() -> None:
    both = registry(ExactMatch, FirstWord)
    assert chosen_metric_names(both, ["exact", "bleu-2"]) == ["exact", "bleu-2"]
    assert chosen_metric_names(both, []) == []
    assert chosen_metric_names(both, None) == ["bleu-2"]  # 'exact' is not in the default set
    everything = registry(*(type(name, (FirstWord,), {"name": name}) for name in reversed(DEFAULT_METRICS)))
    assert chosen_metric_names(everything, None) == list(DEFAULT_METRICS)  # the set's order, not the registry's


def test_resolved_metrics_carry_the_dialect_and_unknown_names_are_user_errors() -> None:
    metrics = resolve_metrics(registry(ExactMatch, FirstWord), ["exact", "bleu-2"], "hf")
    assert [type(m) for m in metrics] == [ExactMatch, FirstWord]
    assert all(m.options.dialect == "hf" for m in metrics)
    assert [m.options.dialect for m in resolve_metrics(registry(ExactMatch), ["exact"], "coco")] == ["coco"]
    with pytest.raises(FoodcapError, match=r"unknown metric 'meteor' \(installed: exact\)"):
        resolve_metrics(registry(ExactMatch), ["meteor"], "coco")


def test_no_default_metric_installed_is_an_error_only_when_none_was_asked_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 18: a run that would score nothing stops before any model loads, naming the package."""
    with pytest.raises(FoodcapError, match="pip install foodcap-metrics.*--metrics none"):
        resolve_metrics(registry(ExactMatch), None, "coco")
    with caplog.at_level(logging.WARNING, logger="foodcap"):
        assert resolve_metrics(registry(ExactMatch), [], "coco") == []  # --metrics none: nothing, on purpose
        assert len(resolve_metrics(registry(FirstWord), None, "coco")) == 1
    assert caplog.records == []


def test_scores_are_each_metrics_corpus_and_per_sample_values(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics = [ExactMatch(), Broken(), FirstWord()]
    clock = iter([10.0, 12.5, 20.0, 30.0, 31.0])  # start and end of each metric that finishes
    monkeypatch.setattr(scoring.time, "perf_counter", lambda: next(clock))
    with caplog.at_level(logging.WARNING, logger="foodcap"):
        scores = score(metrics, PREDICTIONS, REFERENCES)
    monkeypatch.undo()
    assert scores.per_sample == {"exact": [1.0, 1.0, 0.0, 0.0], "bleu-2": [0.0, 1.0, 0.0, 0.0]}
    assert scores.corpus == {"exact": 0.5, "bleu-2": 0.25}
    assert list(scores.corpus) == list(scores.per_sample) == list(scores.seconds) == ["exact", "bleu-2"]
    assert scores.seconds == {"exact": 2.5, "bleu-2": 1.0}  # the broken metric's start (20.0) is not timed
    assert scores.failures == {"broken": "TypeError: no Java here"}  # the others still count
    assert [r.getMessage() for r in caplog.records] == [
        "metric broken failed (TypeError: no Java here); the other scores are kept"
    ]
    assert score([ExactMatch()], [], []) == Scores({}, {}, {})  # nothing captioned: nothing scored, no error


def test_the_shuffled_control_pairs_each_caption_with_the_title_half_the_corpus_away() -> None:
    metrics = [ExactMatch()]
    predictions = ["a", "b", "c", "d", "e"]
    references = [["d"], ["z"], ["a"], ["b"], ["c"]]  # rotated by 5 // 2 = 2: four captions meet their match
    scores = score(metrics, predictions, references)
    assert shuffled_control(metrics, predictions, references, scores) == {"exact": {"matched": 0.0, "shuffled": 0.8}}
    matched = score(metrics, PREDICTIONS, REFERENCES)
    assert shuffled_control(metrics, PREDICTIONS, REFERENCES, matched) == {"exact": {"matched": 0.5, "shuffled": 0.0}}


def test_the_shuffled_control_needs_two_captions_and_skips_metrics_that_failed() -> None:
    metrics = [ExactMatch()]
    assert shuffled_control(metrics, ["a"], [["a"]], score(metrics, ["a"], [["a"]])) == {}
    assert shuffled_control(metrics, ["a", "b"], [["b"], ["a"]], Scores({}, {}, {})) == {}
    two = score(metrics, ["a", "b"], [["b"], ["a"]])
    assert shuffled_control(metrics, ["a", "b"], [["b"], ["a"]], two) == {"exact": {"matched": 0.0, "shuffled": 1.0}}
    flaky = [ExactMatch(), Broken()]
    scores = Scores({"exact": 0.5, "broken": 0.1}, {}, {})  # 'broken' scored once, then failed on the control
    assert shuffled_control(flaky, PREDICTIONS, REFERENCES, scores) == {"exact": {"matched": 0.5, "shuffled": 0.0}}


def test_a_folder_is_scored_in_split_order_with_its_control_and_double_work_counted(tmp_path: Path) -> None:
    split = [Sample(str(i), Path(f"/img/{i}.jpg"), (reference,)) for i, reference in enumerate(["a", "b", "c", "d"])]

    def line(sample_id: str, caption: str) -> dict[str, object]:
        return {
            "id": sample_id,
            "image": f"/img/{sample_id}.jpg",
            "references": [split[int(sample_id)].title],
            "caption": caption,
        }

    with PartWriter(tmp_path, "shard-1-of-2", {}) as part:
        part.append([line("3", "d"), line("1", "x"), {"id": "2", "image": "/img/2.jpg", "failure": "truncated image"}])
    with PartWriter(tmp_path, "shard-0-of-2", {}) as part:
        part.append([line("0", "c"), line("1", "b")])  # "1" is captioned by both parts
    folder = RunFolder(tmp_path, resume=True)
    scored = score_folder(folder, merge_samples(tmp_path, split), [ExactMatch()])
    assert (scored.count, scored.failures, scored.captioned_twice) == (3, {"2": "truncated image"}, 1)
    assert scored.scores.per_sample == {"exact": [0.0, 1.0, 1.0]}  # ids 0, 1 (the first part's), 3
    assert scored.grounding == shuffled_control([ExactMatch()], ["c", "b", "d"], [["a"], ["b"], ["d"]], scored.scores)
    assert scored.grounding == {"exact": {"matched": 2 / 3, "shuffled": 0.0}}
    written = [json.loads(row) for row in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    assert [(row["id"], row["scores"]) for row in written] == [
        ("0", {"exact": 0.0}),
        ("1", {"exact": 1.0}),
        ("3", {"exact": 1.0}),
    ]
