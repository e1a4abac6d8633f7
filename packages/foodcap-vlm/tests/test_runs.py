"""`foodcap run` with few-shot presets and `foodcap train` with a VLM, through core's runner and trainer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from peft import PeftModel
from rich.console import Console

from foodcap import FoodcapError
from foodcap.config import DataConfig, EvalConfig, RunConfig
from foodcap.dataset import load_kaggle_dataset, split_manifest
from foodcap.registry import get_registry
from foodcap.runs.runner import run
from foodcap.training import TrainConfig, TrainOptions, train
from foodcap_vlm.families import FAMILIES
from foodcap_vlm.random_weights import build_random

QUIET = Console(quiet=True)


def run_config(out: Path, split: str = "test", **options: object) -> RunConfig:
    return RunConfig(
        captioner="smolvlm-256m",
        options={"random_weights": "tiny", **options},
        out=out,
        data=DataConfig(dataset="sample", split=split, limit=4, batch_size=4, num_workers=0),
        evaluation=EvalConfig(metrics=[]),
    )


@pytest.mark.parametrize("shot_format", ["images", "titles"])
def test_run_records_its_examples_from_the_train_split_only(tmp_path: Path, shot_format: str) -> None:
    result = run(run_config(tmp_path / "run", shots=3, shot_format=shot_format), get_registry(), QUIET)
    record = json.loads((result.folder / "run.json").read_text())
    examples = record["captioner"]["examples"]
    dataset = load_kaggle_dataset("sample", workers=1)
    manifest = split_manifest(dataset.samples)
    assert len(examples) == 3
    assert {e["id"] for e in examples} <= set(manifest.ids("train"))
    assert not {e["id"] for e in examples} & set(manifest.ids("test"))
    titles = {s.id: s.title for s in dataset.samples}
    assert all(titles[e["id"]] == e["title"] for e in examples)
    # The same seed picks the same examples in another run.
    again = run(run_config(tmp_path / "again", shots=3, shot_format=shot_format), get_registry(), QUIET)
    assert json.loads((again.folder / "run.json").read_text())["captioner"]["examples"] == examples


@pytest.mark.parametrize("split", ["train", "all"])
def test_few_shot_on_a_split_holding_the_examples_is_refused(tmp_path: Path, split: str) -> None:
    with pytest.raises(FoodcapError, match="never the split the examples come from"):
        run(run_config(tmp_path / "run", split=split, shots=2), get_registry(), QUIET)


def test_train_with_the_default_lora_policy_then_run_from_the_checkpoint(tmp_path: Path) -> None:
    registry = get_registry()
    config = TrainConfig(
        captioner="qwen2.5-vl-3b",
        options={"random_weights": "tiny"},
        out=tmp_path / "train",
        data=DataConfig(dataset="sample", batch_size=8, num_workers=0, limit=16),
        evaluation=EvalConfig(metrics=[]),
        train=TrainOptions(epochs=1, lr=1e-3, test_eval=False),
    )
    result = train(config, registry, QUIET)
    record = json.loads((result.folder / "run.json").read_text())
    assert record["freeze_policy"] == "lora"
    assert (record["mixed_precision"], record["mixed_precision_reason"]) == ("no", "the CPU computes in float32")
    counts = record["parameters"]
    assert counts["encoder"]["trainable"] == counts["decoder"]["trainable"] == 0
    assert counts["adapter"]["trainable"] > 0 and counts["projector"]["trainable"] > 0
    best = result.folder / "best"
    assert (best / "adapter_config.json").is_file() and (best / "foodcap-vlm.json").is_file()
    base, _ = build_random(FAMILIES["qwen2_5_vl"].random_builder, "tiny")
    assert isinstance(PeftModel.from_pretrained(base, str(best)), PeftModel)

    ran = run(
        RunConfig(
            captioner="qwen2.5-vl-3b",
            options={"checkpoint": str(best)},
            out=tmp_path / "run",
            data=DataConfig(dataset="sample", split="val", limit=4, num_workers=0),
            evaluation=EvalConfig(metrics=[]),
        ),
        registry,
        QUIET,
    )
    assert ran.count == 4
    described = json.loads((ran.folder / "run.json").read_text())["captioner"]
    assert described["family"] == "qwen2_5_vl"
    assert described["precision"] == {"dtype": "float32", "reason": "the CPU computes in float32"}
    assert described["generation"] == {
        "max_new_tokens": 32,
        "num_beams": 1,
        "do_sample": False,
        "eos_token_id": described["generation"]["eos_token_id"],
        "pad_token_id": 0,
    }


def test_training_with_shots_is_refused(tmp_path: Path) -> None:
    config = TrainConfig(
        captioner="smolvlm-256m",
        options={"random_weights": "tiny", "shots": 2},
        out=tmp_path / "train",
        data=DataConfig(dataset="sample", batch_size=8, num_workers=0, limit=8),
        evaluation=EvalConfig(metrics=[]),
        train=TrainOptions(epochs=1, test_eval=False),
    )
    with pytest.raises(FoodcapError, match="few-shot"):
        train(config, get_registry(), QUIET)


def test_a_run_scored_by_a_judge_loaded_from_a_folder(tmp_path: Path) -> None:
    from foodcap_vlm.judge.prompts import judge_prompt
    from foodcap_vlm.random_weights import save_random

    folder = save_random(FAMILIES["gemma3"].random_builder, "tiny", tmp_path / "judge")
    config = run_config(tmp_path / "run")
    config.evaluation = EvalConfig(
        metrics=["judge"],
        metric_options={"judge": {"model": str(folder), "mode": "image", "device": "cpu", "batch_size": 3}},
    )
    result = run(config, get_registry(), QUIET)
    scores = [json.loads(line)["scores"]["judge"] for line in (result.folder / "predictions.jsonl").open()]
    assert len(scores) == 4 and all(0 < score < 1 for score in scores)
    assert result.scores.corpus["judge"] == pytest.approx(sum(scores) / 4)
    signature = json.loads((result.folder / "run.json").read_text())["evaluated_on"]["metric_signatures"]["judge"]
    assert signature.startswith(f"judge:image-v1|model:{folder}|family:gemma3|")
    assert signature.endswith(f"|prompt:{json.dumps(judge_prompt('image').template)}")
