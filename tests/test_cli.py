"""The `foodcap` command end to end, as installed: plugins, runs, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli


def test_plugins_json_lists_every_installed_package(foodcap: Cli) -> None:
    result = foodcap("plugins", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    by_name = {row["name"]: row for row in rows}
    assert {"name", "kind", "distribution", "version"} <= set(rows[0])
    assert by_name["none"]["kind"] == "freeze-policy" and by_name["none"]["distribution"] == "foodcap-core"
    assert by_name["vit-gpt2"]["distribution"] == "foodcap-vitgpt2"
    assert by_name["gemma-3-12b"]["distribution"] == "foodcap-gemma"
    assert by_name["llama-lora-1b"]["distribution"] == "foodcap-llama"
    for name in ("cnn-rnn", "cnn-rnn-baseline", "cnn-rnn-vgg19", "cnn-rnn-lstm"):
        assert by_name[name]["distribution"] == "foodcap-cnnrnn"
    assert by_name["lora"]["kind"] == "freeze-policy" and by_name["lora"]["distribution"] == "foodcap-core"
    for name in ("vlm", "qwen2.5-vl-3b", "qwen2.5-vl-7b", "smolvlm-256m", "paligemma2-3b"):
        assert by_name[name]["distribution"] == "foodcap-vlm"
    assert by_name["bleu-1"]["kind"] == "metric" and by_name["meteor"]["distribution"] == "foodcap-metrics"
    # The third-party example plugin is found like any other.
    assert by_name["dominant-colour"]["distribution"] == "foodcap-example-plugin"
    assert by_name["exact-match"]["kind"] == "metric"


def test_example_plugin_runs_end_to_end_on_the_sample(foodcap: Cli, tmp_path: Path) -> None:
    result = foodcap(
        "run",
        "--captioner",
        "dominant-colour",
        "--dataset",
        "sample",
        "--metrics",
        "exact-match,bleu-1",
        "--out",
        "run",
        "--num-workers",
        "1",
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert set(metrics["scores"]) == {"exact-match", "bleu-1"}
    assert metrics["count"] > 0 and metrics["split"] == "test"
    predictions = (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()
    assert len(predictions) == metrics["count"]
    assert "bleu-1" in json.loads(predictions[0])["scores"]


def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_unknown_captioner_is_one_line_with_exit_code_2(foodcap: Cli) -> None:
    line = one_line_error(foodcap("run", "--captioner", "vit-gtp2", "--dataset", "sample"))
    assert "unknown captioner 'vit-gtp2'" in line and "did you mean 'vit-gpt2'" in line


def test_missing_dataset_folder(foodcap: Cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    line = one_line_error(foodcap("run", "--captioner", "dominant-colour", "--dataset", str(tmp_path / "empty")))
    assert "empty" in line


def test_invalid_value_names_the_field_and_flag(foodcap: Cli) -> None:
    line = one_line_error(foodcap("run", "--captioner", "dominant-colour", "--batch-size", "0"))
    assert "data.batch_size (--batch-size)" in line


def test_config_file_with_flags_overriding_it(foodcap: Cli, tmp_path: Path) -> None:
    (tmp_path / "exp.toml").write_text(
        'captioner = "dominant-colour"\n[options]\ntemplate = "{colour} food"\n'
        '[data]\ndataset = "sample"\nlimit = 5\nbatch_size = 2\n[evaluation]\nmetrics = ["exact-match"]\n'
        "[train]\nepochs = 99\n"  # belongs to `train`; `run` ignores it
    )
    result = foodcap("run", "--config", "exp.toml", "--limit", "3", "--out", "r")
    assert result.returncode == 0, result.stderr
    predictions = [json.loads(x) for x in (tmp_path / "r" / "predictions.jsonl").read_text().splitlines()]
    assert len(predictions) == 3 and all(p["caption"].endswith(" food") for p in predictions)
    line = one_line_error(foodcap("run", "--config", "exp.toml", "-o", "template=1"))
    assert "options.template" in line


def test_debug_shows_the_traceback(foodcap: Cli) -> None:
    result = foodcap("run", "--captioner", "nope", "--debug")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_model_hub_unreachable_is_one_line(foodcap: Cli) -> None:
    line = one_line_error(foodcap("run", "--captioner", "vit-gpt2", "--dataset", "sample", "--limit", "2"))
    assert "--model PATH" in line or "HF_TOKEN" in line


def test_run_on_the_dirty_sample_accounts_for_every_row(foodcap: Cli, tmp_path: Path) -> None:
    result = foodcap(
        "run",
        "--captioner",
        "dominant-colour",
        "--dataset",
        "sample",
        "--split",
        "all",
        "--metrics",
        "exact-match",
        "--out",
        "r",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r" / "run.json").read_text())["cleaning_report"]
    assert report["rows_read"] == 314
    assert report["rows_read"] == report["kept"] + sum(report["skipped"].values())
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["count"] == report["kept"] == 307
    conversions = {k: v for k, v in report["repaired"].items() if "converted to RGB" in k}
    assert sorted(conversions.values()) == [1, 1, 1, 1], report["repaired"]


def test_training_tests_in_the_dtype_foodcap_run_would_use(foodcap: Cli, tmp_path: Path) -> None:
    """The test scores `foodcap train` reports are the ones `foodcap run --checkpoint best/` reproduces:
    with a bfloat16 inference dtype, best/ is reloaded in bfloat16 for the test split (trainable
    weights train in float32 under autocast)."""
    common = [
        "--captioner",
        "vit-gpt2",
        "--random-weights",
        "tiny",
        "--dataset",
        "sample",
        "--num-workers",
        "0",
        "--metrics",
        "bleu-1",
        "-o",
        "dtype=bfloat16",
    ]
    trained = foodcap(
        "train",
        *common,
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--lr",
        "0.003",
        "--mixed-precision",
        "bf16",
        "--out",
        "train",
    )
    assert trained.returncode == 0, trained.stderr
    record = json.loads((tmp_path / "train" / "run.json").read_text())
    assert record["test_dtype"] == "bfloat16"
    rerun = foodcap("run", *common, "--checkpoint", "train/best", "--out", "run")
    assert rerun.returncode == 0, rerun.stderr
    ours, theirs = (
        [json.loads(line) for line in (tmp_path / folder / "predictions.jsonl").read_text().splitlines()]
        for folder in ("train", "run")
    )
    assert [(r["id"], r["caption"], r["scores"]) for r in ours] == [
        (r["id"], r["caption"], r["scores"]) for r in theirs
    ]
    plain = foodcap("train", *common[:-2], "--epochs", "1", "--batch-size", "16", "--out", "fp32")
    assert plain.returncode == 0, plain.stderr
    assert json.loads((tmp_path / "fp32" / "run.json").read_text())["test_dtype"] == "float32"
