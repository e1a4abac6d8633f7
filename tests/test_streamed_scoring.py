"""A run folder is scored as a stream (chunks, sufficient statistics), with exactly today's results: every
per-sample score, corpus score and grounding figure equals one ``Metric.compute`` over the whole split,
and predictions.jsonl is what scoring the whole split at once writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import foodcap
from foodcap.registry import get_registry
from foodcap.runs import scoring

METRICS = ["bleu-1", "bleu-4", "rouge-l", "meteor", "cider-d"]


@pytest.mark.parametrize("dialect", ["coco", "hf"])
def test_streamed_scores_equal_one_compute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dialect: str) -> None:
    monkeypatch.setattr(scoring, "CHUNK", 7)  # many chunks, and one that ends mid-way
    summary = foodcap.run(
        "vit-gpt2",
        random_weights="tiny",
        dataset="sample",
        limit=20,
        batch_size=8,
        num_workers=0,
        metrics=METRICS,
        dialect=dialect,
        out=tmp_path / "run",
        progress=False,
    )
    lines = (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    captions = [record["caption"] for record in records]
    references = [record["references"] for record in records]
    registry = get_registry()
    expected_lines = [dict(record) for record in records]
    shift = len(references) // 2
    grounding = json.loads((tmp_path / "run" / "run.json").read_text())["grounding"]
    for name in METRICS:
        metric = registry.metric(name).obj(foodcap.MetricOptions(dialect=dialect))
        whole = metric.compute(captions, references)
        assert summary.scores[name] == whole.score
        assert summary.per_sample[name] == whole.per_sample
        for record, value in zip(expected_lines, whole.per_sample):
            record["scores"][name] = value
        shuffled = metric.compute(captions, references[shift:] + references[:shift]).score
        assert grounding[name] == {"matched": whole.score, "shuffled": shuffled}
    assert [json.dumps(record, ensure_ascii=False) for record in expected_lines] == lines
    assert list(records[0]["scores"]) == METRICS  # in metric order, as one compute per metric wrote them
