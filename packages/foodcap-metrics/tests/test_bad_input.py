"""Bad input: clear ValueErrors for malformed corpora; odd but valid captions score without errors."""

from __future__ import annotations

import pytest

from foodcap import MetricOptions
from foodcap_metrics.plugin import METRICS

from conftest import requires_wordnet

DIALECTS = ["coco", "hf"]
ALL = [pytest.param(metric, dialect, id=f"{metric.name}-{dialect}") for metric in METRICS for dialect in DIALECTS]


def _needs_wordnet(metric: type) -> None:
    if metric.name == "meteor":
        from conftest import _wordnet_missing, skip_or_fail

        skip_or_fail(_wordnet_missing())


@pytest.mark.parametrize(("metric", "dialect"), ALL)
def test_malformed_corpora_raise_value_errors_naming_the_problem(metric: type, dialect: str) -> None:
    scorer = metric(MetricOptions(dialect=dialect))
    with pytest.raises(ValueError, match="3 predictions but 2 reference lists"):
        scorer.compute(["a", "b", "c"], [["a"], ["b"]])
    with pytest.raises(ValueError, match="empty corpus"):
        scorer.compute([], [])
    with pytest.raises(ValueError, match="prediction 1 is int"):
        scorer.compute(["a", 7], [["a"], ["b"]])
    with pytest.raises(ValueError, match="references 0 must be a list of str"):
        scorer.compute(["a"], ["a"])
    with pytest.raises(ValueError, match="references 0 is empty"):
        scorer.compute(["a"], [[]])


@pytest.mark.parametrize(("metric", "dialect"), ALL)
def test_empty_predictions_score_zero(metric: type, dialect: str) -> None:
    _needs_wordnet(metric)
    title = "Grilled Lamb Chops With Mint Sauce"
    result = metric(MetricOptions(dialect=dialect)).compute(["", "   ", title], [[title], ["Lemon Tart"], [title]])
    assert result.per_sample[:2] == [0.0, 0.0]
    assert result.per_sample[2] > 0.99


@pytest.mark.parametrize(("metric", "dialect"), ALL)
def test_unicode_control_characters_and_long_captions(metric: type, dialect: str) -> None:
    _needs_wordnet(metric)
    long_caption = " ".join(["slow-roasted pork shoulder with crackling"] * 600)  # 3,000 words
    accented = "Crème brûlée \u2014 “classique” à la française, 北京 style"
    predictions = [accented, "Pie\x00\x07\x1b with\ttabs\u200b", "\U0001f600 cake", long_caption]
    references = [[accented], ["Pie with tabs"], ["Cake 🎂"], [long_caption]]
    result = metric(MetricOptions(dialect=dialect)).compute(predictions, references)
    assert len(result.per_sample) == 4
    assert all(0.0 <= s < 20 for s in result.per_sample)
    assert result.per_sample[0] > 0.99 and result.per_sample[3] > 0.99


@requires_wordnet
def test_scores_do_not_depend_on_other_samples_except_corpus_statistics() -> None:
    """Per-sample BLEU, ROUGE-L and METEOR of a pair are the same alone or inside a larger corpus."""
    from foodcap_metrics import Bleu2, Meteor, RougeL

    pair = ("Roasted Beet Salad With Feta", ["Roasted Beet Salad With Feta and Mint"])
    for metric in (Bleu2, RougeL, Meteor):
        for dialect in DIALECTS:
            scorer = metric(MetricOptions(dialect=dialect))
            alone = scorer.compute([pair[0]], [pair[1]]).per_sample[0]
            together = scorer.compute(["chocolate cake", pair[0]], [["Lemon Cake"], pair[1]]).per_sample[1]
            assert alone == together > 0
