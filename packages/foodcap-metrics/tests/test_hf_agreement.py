"""hf dialect: the formulas of Hugging Face evaluate's bleu, rouge and meteor, against their sources."""

from __future__ import annotations

import logging

import pytest
from oracles import hf_bleu, hf_rouge_l, mean, nltk_meteor

from foodcap import MetricOptions
from foodcap_metrics import Bleu1, Bleu2, Bleu3, Bleu4, Meteor, RougeL
from foodcap_metrics.synthetic import TitleCorpus

from conftest import requires_wordnet

HF = MetricOptions(dialect="hf")


@pytest.mark.parametrize("metric", [Bleu1, Bleu2, Bleu3, Bleu4], ids=lambda m: m.name)
def test_bleu_equals_evaluate(metric: type, corpus: TitleCorpus) -> None:
    result = metric(HF).compute(corpus.predictions, corpus.references)
    assert result.score == hf_bleu(corpus.predictions, corpus.references, metric.order)
    # per sample: evaluate's formula on each pair alone
    for index in range(0, len(corpus.predictions), 7):
        expected = hf_bleu([corpus.predictions[index]], [corpus.references[index]], metric.order)
        assert result.per_sample[index] == expected


# Fewer words than the order (no n-grams to match), partial matches at every order, a short but exact one.
SHORT = (
    ["soup", "tomato soup with cheese", "a b c", "lemon cake"],
    [["tomato soup"], ["tomato soup with basil"], ["a b c d e f"], ["cake", "lemon cake"]],
)


@pytest.mark.parametrize("metric", [Bleu1, Bleu2, Bleu3, Bleu4], ids=lambda m: m.name)
def test_bleu_equals_evaluate_on_captions_shorter_than_the_order(metric: type) -> None:
    """Mutations guarded: a missing order's precision taken as 1 instead of 0, the geometric mean's
    exponent, and the per-sample counts' slices (foodcap_metrics/bleu.py, hf dialect)."""
    predictions, references = SHORT
    result = metric(HF).compute(predictions, references)
    assert result.score == hf_bleu(predictions, references, metric.order)
    assert result.per_sample == [hf_bleu([p], [r], metric.order) for p, r in zip(predictions, references)]


def test_bleu_evaluate_docstring_example() -> None:
    predictions = ["hello there general kenobi", "foo bar foobar"]
    references = [["hello there general kenobi", "hello there!"], ["foo bar foobar"]]
    assert Bleu4(HF).compute(predictions, references).score == 1.0


def test_rouge_l_equals_rouge_score(corpus: TitleCorpus) -> None:
    expected = hf_rouge_l(corpus.predictions, corpus.references)
    result = RougeL(HF).compute(corpus.predictions, corpus.references)
    assert result.per_sample == expected
    assert result.score == pytest.approx(mean(expected), rel=1e-15)


@requires_wordnet
def test_meteor_equals_nltk_per_sentence(corpus: TitleCorpus, nltk_wordnet_reader: object) -> None:
    from nltk.tokenize import word_tokenize

    # Offline there is no Punkt model, so nltk's word_tokenize is called as on one sentence per caption.
    def tokens(text: str) -> list[str]:
        return word_tokenize(text, preserve_line=True)

    expected = nltk_meteor(
        [tokens(p) for p in corpus.predictions],
        [[tokens(r) for r in refs] for refs in corpus.references],
        nltk_wordnet_reader,
    )
    result = Meteor(HF).compute(corpus.predictions, corpus.references)
    assert result.per_sample == expected
    assert result.score == pytest.approx(mean(expected), rel=1e-15)


@requires_wordnet
def test_meteor_evaluate_docstring_example() -> None:
    predictions = ["It is a guide to action which ensures that the military always obeys the commands of the party"]
    references = [["It is a guide to action that ensures that the military will forever heed Party commands"]]
    assert round(Meteor(HF).compute(predictions, references).score, 4) == 0.6944


def test_word_tokenize_uses_punkt_when_installed(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """With a Punkt model on nltk's path, captions are split into sentences exactly as word_tokenize does."""
    import nltk
    from nltk.tokenize import _get_punkt_tokenizer
    from nltk.tokenize import word_tokenize as nltk_word_tokenize

    from foodcap_metrics import hf_tokenizers

    model = tmp_path / "tokenizers" / "punkt_tab" / "english"
    model.mkdir(parents=True)
    (model / "abbrev_types.txt").write_text("mrs\ndr\nst\n")
    (model / "collocations.tab").write_text("")
    (model / "sent_starters.txt").write_text("the\n")
    (model / "ortho_context.tab").write_text("")
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path), *nltk.data.path])
    hf_tokenizers._sentence_splitter.cache_clear()
    _get_punkt_tokenizer.cache_clear()
    try:
        for caption in ["Easy Pie. Fast Pie.", "Mrs. Smith's Pie. The best.", "St. Louis Ribs!", "No split here"]:
            assert hf_tokenizers.word_tokenize(caption) == nltk_word_tokenize(caption)
        assert hf_tokenizers.word_tokenize("Easy Pie. Fast Pie.") == ["Easy", "Pie", ".", "Fast", "Pie", "."]
    finally:
        hf_tokenizers._sentence_splitter.cache_clear()
        _get_punkt_tokenizer.cache_clear()


def test_missing_punkt_is_reported_for_mid_caption_sentence_ends(caplog: pytest.LogCaptureFixture) -> None:
    from foodcap_metrics import hf_tokenizers

    if hf_tokenizers._sentence_splitter() is not None:
        pytest.skip("nltk's punkt_tab data is installed here, so nothing is approximated")
    with caplog.at_level(logging.WARNING, logger="foodcap"):
        hf_tokenizers.meteor_tokens(["Easy Pie", "Pie."])
        assert not caplog.records
        hf_tokenizers.meteor_tokens(["Easy Pie. Fast Pie"])
    assert "punkt_tab" in caplog.text and "1 caption" in caplog.text


def test_rouge_l_of_an_empty_caption_is_zero_in_both_dialects() -> None:
    """An empty caption scores 0, as rouge_score says, and as pycocoevalcap's split into one empty token does."""
    predictions, references = ["", "tomato soup"], [["tomato soup"], ["tomato soup"]]
    assert hf_rouge_l(predictions, references) == [0.0, 1.0]
    for options in (HF, MetricOptions(dialect="coco")):
        assert RougeL(options).compute(predictions, references).per_sample == [0.0, 1.0]
