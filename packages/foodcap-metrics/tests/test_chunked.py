"""Scoring in chunks (runs too large to hold) equals one ``compute`` on the whole corpus, bit for bit."""

from __future__ import annotations

import pytest

from foodcap import MetricOptions
from foodcap.metric import CollectedCorpus
from foodcap_metrics import Bleu1, Bleu4, CiderD, Meteor, RougeL
from foodcap_metrics.numpy_mean import StreamMean
from foodcap_metrics.synthetic import title_corpus

from conftest import requires_wordnet


def chunked(metric, predictions, references, size):
    """Feed the corpus to the metric's accumulator as the runner does: references pass, then chunks."""
    accumulator = metric.accumulator()
    chunks = [(predictions[i : i + size], references[i : i + size]) for i in range(0, len(predictions), size)]
    for _, refs in chunks:
        accumulator.add_references(refs)
    per_sample = []
    for preds, refs in chunks:
        per_sample += accumulator.update(preds, refs) or []
    result = accumulator.result()
    return result.score, per_sample + list(result.per_sample)


def corpus(pairs: int, references: int = 1, tricky: bool = False):
    data = title_corpus(pairs, seed=3, references_per_title=references)
    predictions = list(data.predictions)
    refs = [list(r) for r in data.references]
    if tricky:  # what the PTB tokenizer reads across line ends: a period before a capital, an abbreviation
        for index in range(0, pairs, 7):
            predictions[index] = predictions[index] + " etc."
            refs[index][0] = "Mr. " + refs[index][0] + " Inc."
    return predictions, refs


@pytest.mark.parametrize("dialect", ["coco", "hf"])
@pytest.mark.parametrize("metric_class", [Bleu1, Bleu4, RougeL, CiderD])
def test_chunks_equal_one_compute(metric_class, dialect):
    predictions, references = corpus(300, references=3, tricky=True)
    metric = metric_class(MetricOptions(dialect=dialect))
    whole = metric.compute(predictions, references)
    for size in (2, 64, 299, 5000):
        score, per_sample = chunked(metric, predictions, references, size)
        assert per_sample == whole.per_sample, size
        assert score == whole.score, size


@requires_wordnet
def test_meteor_chunks_equal_one_compute():
    predictions, references = corpus(300, references=2)
    metric = Meteor(MetricOptions(dialect="coco"))
    whole = metric.compute(predictions, references)
    assert chunked(metric, predictions, references, 37) == (whole.score, whole.per_sample)


def test_cider_is_not_a_per_chunk_average():
    """Document frequencies come from every reference: scoring chunks on their own gives other numbers."""
    predictions, references = corpus(400, references=2)
    metric = CiderD()
    whole = metric.compute(predictions, references)
    alone = metric.compute(predictions[:100], references[:100])
    assert alone.per_sample != whole.per_sample[:100]
    assert chunked(metric, predictions, references, 100)[1][:100] == whole.per_sample[:100]


def test_default_accumulator_collects_and_computes_once():
    predictions, references = corpus(50)
    metric = RougeL()
    accumulator = CollectedCorpus(metric)
    assert accumulator.update(predictions[:20], references[:20]) is None
    accumulator.update(predictions[20:], references[20:])
    assert accumulator.result() == metric.compute(predictions, references)


@pytest.mark.parametrize("count", [1, 7, 8, 127, 128, 129, 1000, 70001])
def test_stream_mean_is_numpys_mean(count):
    import numpy as np

    rng = np.random.default_rng(count)
    values = (rng.random(count) * rng.choice([1e-3, 1.0, 1e3], count)).tolist()
    mean = StreamMean(count)
    for start in range(0, count, 333):
        mean.add(values[start : start + 333])
    assert mean.mean() == float(np.mean(np.array(values)))
