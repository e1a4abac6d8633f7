"""foodcap-modelmetrics from the command line: a run scored by CLIP and BERTScore, pre-flight, doctor, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import transformers
from PIL import Image

from foodcap_modelmetrics import ClipScore, ClipScoreOptions
from foodcap_modelmetrics.tiny_weights import save_tiny_clip, save_tiny_roberta

from conftest import Cli


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("weights")
    return save_tiny_clip(folder / "clip"), save_tiny_roberta(folder / "roberta")


def test_a_run_scores_each_image_with_clip_and_records_the_bertscore_hash(
    foodcap: Cli, tmp_path: Path, weights: tuple[Path, Path]
) -> None:
    clip, roberta = weights
    result = foodcap(
        "run",
        "--captioner",
        "vit-gpt2",
        "--random-weights",
        "tiny",
        "--dataset",
        "sample",
        "--limit",
        "6",
        "--num-workers",
        "1",
        "--out",
        str(tmp_path / "run"),
        "--metrics",
        "bleu-1,clipscore,refclipscore,bertscore",
        "--metric-option",
        f"clipscore.model={clip}",
        "--metric-option",
        f"refclipscore.model={clip}",
        "--metric-option",
        f"bertscore.model={roberta}",
        "--metric-option",
        "bertscore.num_layers=2",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    signatures = record["evaluated_on"]["metric_signatures"]
    assert signatures["bertscore"] == f"{roberta}_L2_no-idf_version=0.3.12(hug_trans={transformers.__version__})"
    assert signatures["clipscore"].startswith("clipscore|hessel2021") and "refclipscore" in signatures
    assert record["evaluated_on"]["image_metrics"] == ["clipscore", "refclipscore"]

    predictions = [json.loads(line) for line in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    assert len(predictions) == 6
    first = predictions[0]
    assert set(first["scores"]) == {"bleu-1", "clipscore", "refclipscore", "bertscore"}
    alone = ClipScore(ClipScoreOptions(model=str(clip))).compute(
        [first["caption"]], [first["references"]], [Image.open(first["image"]).convert("RGB")]
    )
    assert first["scores"]["clipscore"] == pytest.approx(alone.score, abs=1e-5)  # the image it was captioned from

    report = foodcap("report", str(tmp_path / "run"), "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr[-2000:]
    page = (tmp_path / "report" / "index.html").read_text()
    assert '<span class="score image-score">clipscore ' in page


def test_missing_metric_weights_stop_the_run_in_one_line(foodcap: Cli, tmp_path: Path) -> None:
    result = foodcap(
        "run",
        "--captioner",
        "vit-gpt2",
        "--random-weights",
        "tiny",
        "--dataset",
        "sample",
        "--metrics",
        "bleu-1,clipscore",
        "--metric-option",
        f"clipscore.model={tmp_path / 'no-clip'}",
        "--out",
        str(tmp_path / "run"),
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: clipscore weights: {tmp_path / 'no-clip'} is not a model folder (no "
        "config.json); pass --metric-option clipscore.model=FOLDER with a folder "
        "save_pretrained wrote"
    )
    assert not (tmp_path / "run").exists()  # nothing started: no folder, no captioner


def test_doctor_knows_the_metrics_weights(foodcap: Cli, tmp_path: Path) -> None:
    result = foodcap("doctor", env={"HF_HUB_CACHE": str(tmp_path / "empty-cache")})
    assert result.returncode == 0, result.stdout[-2000:]  # optional: only runs that name these metrics need them
    assert "optional piece(s) not installed" in result.stdout
    rows = [line for line in result.stdout.splitlines() if "metric clipscore" in line or "metric bertscore " in line]
    assert any("'openai/clip-vit-base-patch32' are not in the local Hugging Face" in row for row in rows), rows
    assert any("'roberta-large' are not in the local Hugging Face" in row for row in rows), rows
