"""foodcap's clipscore (hf dialect) and bertscore against torchmetrics and bert-score, on the same model folders.

foodcap runs here (transformers 5); the oracles run in their own environment (transformers 4), named by
FOODCAP_ORACLE_PYTHON: `nox -s oracles` builds it and runs this file. Without it the test is skipped,
except where FOODCAP_REQUIRE_ORACLES=1 (CI), where a missing oracle fails the run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import foodcap
from foodcap_modelmetrics import BertScoreF1, BertScoreOptions, BertScorePrecision, BertScoreRecall

from conftest import CAPTIONS, REFERENCES

HERE = Path(__file__).parent
# (layer, IDF, pairs per chunk, rescaled): the defaults, IDF, bert-score's chunking quirk, a custom baseline.
SETTINGS = [(3, False, 64, False), (2, True, 64, False), (4, False, 3, False), (3, True, 5, True)]
BASELINE = "LAYER,P,R,F\n0,0.1,0.2,0.3\n1,0.4,0.5,0.6\n2,0.7,0.8,0.9\n3,0.5,0.25,0.75\n4,0.2,0.2,0.2\n"


def oracle_python() -> str:
    python = os.environ.get("FOODCAP_ORACLE_PYTHON")
    if python and Path(python).exists():
        return python
    why = "the oracles' environment is not set up (FOODCAP_ORACLE_PYTHON; `nox -s oracles` makes it and runs this)"
    if os.environ.get("FOODCAP_REQUIRE_ORACLES") == "1":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="module")
def oracle(
    tiny_clip: Path, tiny_roberta: Path, image_files: list[Path], tmp_path_factory: pytest.TempPathFactory
) -> dict:
    folder = tmp_path_factory.mktemp("oracle")
    (folder / "baseline.tsv").write_text(BASELINE)
    case = {
        "clip": str(tiny_clip),
        "roberta": str(tiny_roberta),
        "images": [str(p) for p in image_files],
        "captions": CAPTIONS,
        "references": REFERENCES,
        "bertscore": [
            {
                "num_layers": layers,
                "idf": idf,
                "batch_size": batch,
                "baseline": str(folder / "baseline.tsv") if rescaled else None,
            }
            for layers, idf, batch, rescaled in SETTINGS
        ],
    }
    (folder / "case.json").write_text(json.dumps(case))
    done = subprocess.run(
        [oracle_python(), str(HERE / "oracle_scores.py"), str(folder / "case.json"), str(folder / "out.json")],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads((folder / "out.json").read_text())
    assert found["versions"]["transformers"].startswith("4.")
    return {**found, "baseline": folder / "baseline.tsv"}


def test_clipscore_hf_dialect_equals_torchmetrics(oracle: dict, tiny_clip: Path, image_files: list[Path]) -> None:
    scores = foodcap.score(
        CAPTIONS,
        REFERENCES,
        metrics=["clipscore"],
        dialect="hf",
        images=image_files,
        metric_options={"clipscore": {"model": str(tiny_clip)}},
    )
    np.testing.assert_allclose(scores.per_sample["clipscore"], oracle["clip"]["per_sample"], atol=1e-5, rtol=0)
    assert scores.corpus["clipscore"] == pytest.approx(oracle["clip"]["corpus"], abs=1e-5)


@pytest.mark.parametrize("index", range(len(SETTINGS)))
def test_bertscore_equals_bert_score(oracle: dict, tiny_roberta: Path, index: int) -> None:
    layers, idf, batch, rescaled = SETTINGS[index]
    options = BertScoreOptions(
        model=str(tiny_roberta),
        num_layers=layers,
        idf=idf,
        batch_size=batch,
        rescale_with_baseline=rescaled,
        baseline=oracle["baseline"] if rescaled else None,
    )
    expected = oracle["bertscore"][index]
    for metric, column in ((BertScorePrecision, "P"), (BertScoreRecall, "R"), (BertScoreF1, "F")):
        result = metric(options).compute(CAPTIONS, REFERENCES)
        np.testing.assert_allclose(result.per_sample, expected[column], atol=1e-5, rtol=0)
        assert result.score == pytest.approx(float(np.mean(expected[column])), abs=1e-5)
    # The same hash, but for the transformers version each side ran.
    assert re.sub(r"hug_trans=[^)]*", "", BertScoreF1(options).signature()) == re.sub(
        r"hug_trans=[^)]*", "", expected["hash"]
    )
