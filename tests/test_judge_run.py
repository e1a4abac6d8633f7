"""`foodcap run --metrics bleu-1,judge` end to end on the sample, with a tiny random-weight judge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import foodcap as foodcap_api
from foodcap.backend import open_rgb
from foodcap_vlm.judge.metric import VlmJudge
from foodcap_vlm.judge.options import JudgeOptions
from foodcap_vlm.judge.prompts import judge_prompt

from conftest import Cli
from test_cli import one_line_error

TINY_JUDGE = (
    "--metric-option",
    "judge.model=smolvlm-256m",
    "--metric-option",
    "judge.random_weights=tiny",
    "--metric-option",
    "judge.device=cpu",
)


def test_run_scores_bleu_and_the_judge_and_records_the_prompt(foodcap: Cli, tmp_path: Path) -> None:
    result = foodcap(
        "run",
        "--captioner",
        "vit-gpt2",
        "--random-weights",
        "tiny",
        "--dataset",
        "sample",
        "--limit",
        "8",
        "--metrics",
        "bleu-1,judge",
        *TINY_JUDGE,
        "--out",
        "run",
        "--num-workers",
        "1",
    )
    assert result.returncode == 0, result.stderr
    run = tmp_path / "run"
    metrics = json.loads((run / "metrics.json").read_text())
    assert set(metrics["scores"]) == {"bleu-1", "judge"} and metrics["count"] == 8
    predictions = [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
    # Each stored score is the judge's verdict on that prediction's own photo, caption and references.
    judge = VlmJudge(JudgeOptions(model="smolvlm-256m", random_weights="tiny", device="cpu"))
    direct = judge.compute(
        [p["caption"] for p in predictions],
        [p["references"] for p in predictions],
        [open_rgb(Path(p["image"]))[0] for p in predictions],
    )
    assert [p["scores"]["judge"] for p in predictions] == pytest.approx(direct.per_sample, abs=1e-5)
    assert metrics["scores"]["judge"] == pytest.approx(direct.score, abs=1e-5)
    record = json.loads((run / "run.json").read_text())
    signature = record["evaluated_on"]["metric_signatures"]["judge"]
    assert signature.startswith("judge:dish-v1|model:smolvlm-256m|random_weights:tiny|family:idefics3|dtype:float32|")
    assert signature.endswith(f"|prompt:{json.dumps(judge_prompt('dish', 1).template)}")
    assert record["config"]["evaluation"]["metric_options"]["judge"]["model"] == "smolvlm-256m"
    assert set(record["grounding"]) == {"bleu-1", "judge"}  # the shuffled-pairs control judges other photos too
    assert "judge" in result.stdout  # the results table
    # The finished run judged again in the other mode (as after captioning with the GPU full): same captions.
    again = foodcap_api.merge(run, metrics=["judge"], metric_options={"judge": {"mode": "image"}})
    assert again.count == 8 and again.scores["judge"] != metrics["scores"]["judge"]
    record = json.loads((run / "run.json").read_text())
    assert record["evaluated_on"]["metric_signatures"]["judge"].startswith("judge:image-v1|model:smolvlm-256m|")
    assert record["config"]["evaluation"]["metric_options"]["judge"]["mode"] == "image"


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            "/no/such/judge",
            "error: judge model folder /no/such/judge does not exist; pass a hub id or an existing folder "
            "as --metric-option judge.model=...",
        ),
        (
            "foodcap-tests/no-such-judge",  # HF_HUB_OFFLINE is set for every CLI run here, and the cache is empty
            "error: judge model 'foodcap-tests/no-such-judge' is not in the local hub cache and the hub is "
            "unreachable (HF_HUB_OFFLINE is set): download it where there is network (hf download "
            "foodcap-tests/no-such-judge) or pass a folder as judge.model",
        ),
    ],
)
def test_a_missing_judge_stops_the_run_before_captioning(
    foodcap: Cli, tmp_path: Path, model: str, message: str
) -> None:
    run = ("run", "--captioner", "dominant-colour", "--dataset", "sample", "--metrics", "bleu-1,judge", "--out", "run")
    result = foodcap(*run, "--metric-option", f"judge.model={model}", env={"HF_HOME": str(tmp_path / "hf-home")})
    assert one_line_error(result) == message
    assert not (tmp_path / "run").exists()
