"""BERTScore's properties on a tiny RoBERTa (bert-score itself is the oracle in test_oracles.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import transformers

from foodcap_modelmetrics import BertScoreF1, BertScoreOptions, BertScorePrecision, BertScoreRecall

from conftest import CAPTIONS, REFERENCES


def scores(options: BertScoreOptions, captions: list[str], references: list[list[str]]) -> np.ndarray:
    """(P, R, F) per caption, from the three registered metrics."""
    return np.array(
        [
            metric(options).compute(captions, references).per_sample
            for metric in (BertScorePrecision, BertScoreRecall, BertScoreF1)
        ]
    ).T


def test_a_caption_equal_to_its_reference_scores_one(tiny_roberta: Path) -> None:
    found = scores(
        BertScoreOptions(model=str(tiny_roberta), num_layers=3),
        ["Lemon cake", "Pea soup"],
        [["Lemon cake"], ["Pea soup"]],
    )
    np.testing.assert_allclose(found, 1.0, atol=1e-6)


def test_each_of_p_r_f_is_the_best_over_the_references_on_its_own(tiny_roberta: Path) -> None:
    options = BertScoreOptions(model=str(tiny_roberta), num_layers=3)
    several = scores(options, CAPTIONS[1:2], [REFERENCES[1]])[0]
    each = np.array([scores(options, CAPTIONS[1:2], [[reference]])[0] for reference in REFERENCES[1]])
    np.testing.assert_allclose(several, each.max(axis=0), atol=1e-6)


def test_the_layer_and_idf_change_the_scores(tiny_roberta: Path) -> None:
    base = scores(BertScoreOptions(model=str(tiny_roberta), num_layers=3), CAPTIONS, REFERENCES)
    assert not np.allclose(base, scores(BertScoreOptions(model=str(tiny_roberta), num_layers=1), CAPTIONS, REFERENCES))
    assert not np.allclose(
        base, scores(BertScoreOptions(model=str(tiny_roberta), num_layers=3, idf=True), CAPTIONS, REFERENCES)
    )
    np.testing.assert_array_equal(base[CAPTIONS.index("")], 0.0)  # an empty caption scores 0, as in bert-score


def test_rescaling_uses_the_baseline_row_of_the_layer(tiny_roberta: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.tsv"
    baseline.write_text("LAYER,P,R,F\n0,0.1,0.2,0.3\n1,0.4,0.5,0.6\n2,0.7,0.8,0.9\n3,0.5,0.25,0.75\n")
    raw = scores(BertScoreOptions(model=str(tiny_roberta), num_layers=3), CAPTIONS, REFERENCES)
    options = BertScoreOptions(model=str(tiny_roberta), num_layers=3, rescale_with_baseline=True, baseline=baseline)
    b = np.array([0.5, 0.25, 0.75])
    np.testing.assert_allclose(scores(options, CAPTIONS, REFERENCES), (raw - b) / (1 - b), atol=1e-5)
    assert BertScoreF1(options).signature() == (
        f"{tiny_roberta}_L3_no-idf_version=0.3.12(hug_trans={transformers.__version__})-custom-rescaled"
    )


def test_default_settings_are_bert_scores(tmp_path: Path) -> None:
    options = BertScoreOptions()
    assert (options.model, options.layers(), options.idf) == ("roberta-large", 17, False)
    assert BertScoreF1().signature().startswith("roberta-large_L17_no-idf_version=0.3.12(hug_trans=")
    with pytest.raises(ValueError, match="set bertscore.num_layers"):
        BertScoreOptions(model=str(tmp_path)).layers()
