"""The first hour's runs, as a newcomer makes them: checkpoints without --captioner, empty splits, failed
runs, folders of runs for compare and report, --resume on a new folder, and one voice for every error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from foodcap import DatasetRecord, FoodcapError
from foodcap import run as foodcap_run

from conftest import Cli
from test_cli import one_line_error

TINY = ["--random-weights", "tiny", "--dataset", "sample", "--num-workers", "0", "--metrics", "bleu-1"]
COLOUR = ["--captioner", "dominant-colour", "--num-workers", "0", "--metrics", "exact-match"]


def stderr_lines(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [line for line in result.stderr.splitlines() if line.strip()]


# -- checkpoints: the captioner comes from the checkpoint, another captioner is refused ----------------
def test_checkpoint_names_its_captioner_and_refuses_another(foodcap: Cli, tmp_path: Path) -> None:
    # A requeued job passes --resume though its first attempt never made the folder: it starts afresh.
    trained = foodcap(
        "train",
        "--captioner",
        "vit-gpt2",
        *TINY,
        "--epochs",
        "1",
        "--limit",
        "8",
        "--batch-size",
        "8",
        "--resume",
        "--out",
        "train",
    )
    assert trained.returncode == 0, trained.stderr
    assert "nothing to resume: train does not exist yet, so this starts afresh" in trained.stdout
    assert json.loads((tmp_path / "train" / "best" / "foodcap.json").read_text())["captioner"] == "vit-gpt2"

    result = foodcap("run", "--checkpoint", "train/best", *TINY[2:], "--limit", "4", "--out", "again")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "again" / "run.json").read_text())["captioner"]["name"] == "vit-gpt2"

    refused = foodcap(
        "run", "--captioner", "llama-lora-1b", "--checkpoint", "train/best", "--dataset", "sample", "--out", "wrong"
    )
    assert one_line_error(refused) == (
        "error: train/best is a checkpoint of captioner 'vit-gpt2', not "
        "'llama-lora-1b': pass --captioner vit-gpt2 (or leave --captioner out)"
    )
    assert refused.stdout == "" and not (tmp_path / "wrong").exists()  # before the dataset was read

    # Every captioner's checkpoint is told from every other's, vit-gpt2's included, before any data is read.
    names = [row["name"] for row in json.loads(foodcap("plugins", "--json").stdout) if row["kind"] == "captioner"]
    assert {"vit-gpt2", "llama-lora-1b", "gemma-3-4b", "qwen2.5-vl-3b"} <= set(names)
    for saved_by in names:
        checkpoint = tmp_path / "checkpoints" / saved_by
        shutil.copytree(tmp_path / "train" / "best", checkpoint)
        (checkpoint / "foodcap.json").write_text(json.dumps({"captioner": saved_by}))
        for given in {names[0], "vit-gpt2", "llama-lora-1b"} - {saved_by}:
            with pytest.raises(FoodcapError) as error:
                foodcap_run(given, checkpoint=checkpoint, dataset=str(tmp_path / "no-such-dataset"), progress=False)
            assert f"is a checkpoint of captioner {saved_by!r}, not {given!r}" in str(error.value)


def test_a_checkpoint_that_records_no_captioner_asks_for_one(foodcap: Cli, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    line = one_line_error(foodcap("run", "--checkpoint", "plain", "--dataset", "sample"))
    assert line == (
        "error: name the captioner with --captioner: plain does not record which captioner saved it (no foodcap.json)"
    )
    assert "[required unless --checkpoint names it]" in " ".join(foodcap("run", "--help").stdout.split())


# -- empty runs --------------------------------------------------------------------------------------
def write_coco(folder: Path, files: list[str]) -> Path:
    folder.mkdir()
    images = [{"id": index, "file_name": name} for index, name in enumerate(files)]
    annotations = [{"image_id": index, "caption": f"dish {index}"} for index in range(len(files))]
    (folder / "captions.json").write_text(json.dumps({"images": images, "annotations": annotations}))
    return folder / "captions.json"


def test_a_split_without_images_stops_in_one_line_saying_why(foodcap: Cli, tmp_path: Path) -> None:
    coco = write_coco(tmp_path / "coco", [f"photo-{index}.jpg" for index in range(121)])
    line = one_line_error(foodcap("run", *COLOUR, "--dataset", str(coco), "--out", "run"))
    assert line == (
        f"error: all 121 images are missing under {tmp_path / 'coco'}: set --image-root to the folder "
        "that holds them (a COCO JSON's images), or check --dataset"
    )
    assert not (tmp_path / "run").exists()

    folder = tmp_path / "menu"
    for split, count in (("train", 3), ("validation", 2)):  # split folders, and no test/
        (folder / split).mkdir(parents=True)
        rows = []
        for index in range(count):
            Image.new("RGB", (24, 24), (40 * index, 90, 200)).save(folder / split / f"{index}.png")
            rows.append(json.dumps({"file_name": f"{index}.png", "caption": f"{split} dish {index}"}))
        (folder / split / "metadata.jsonl").write_text("\n".join(rows) + "\n")
    line = one_line_error(foodcap("run", *COLOUR, "--dataset", str(folder), "--out", "run"))
    assert line == (
        "error: the dataset's own test split is empty (train 3, val 2, test 0): choose another "
        "--split, or pass --no-own-split to draw one"
    )
    with pytest.raises(FoodcapError, match="all 121 images are missing under"):
        foodcap_run("dominant-colour", dataset=str(coco), metrics=["exact-match"], out=tmp_path / "api", progress=False)
    assert not (tmp_path / "api").exists()


# -- run folders ---------------------------------------------------------------------------------------
def test_a_run_that_fails_before_captioning_leaves_no_folder(foodcap: Cli, tmp_path: Path) -> None:
    # Pre-flight passes; loading vit-gpt2 from the (offline) hub then fails, after the folder was made.
    result = foodcap(
        "run",
        "--captioner",
        "vit-gpt2",
        "--dataset",
        "sample",
        "--limit",
        "2",
        "--metrics",
        "bleu-1",
        "--num-workers",
        "0",
        "--out",
        "run",
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_compare_and_report_take_folders_of_runs_and_skip_what_is_no_run(foodcap: Cli, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for name, extra in (("whole", []), ("limited", ["--limit", "4"])):
        made = foodcap("run", *COLOUR, "--dataset", "sample", *extra, "--out", f"runs/demo/{name}")
        assert made.returncode == 0, made.stderr
    size = json.loads((runs / "demo" / "whole" / "metrics.json").read_text())["count"]
    (runs / "half-made" / "parts").mkdir(parents=True)  # what a failed run left before this was fixed
    (runs / "half-made" / "started.json").write_text("{}")
    (runs / "notes").mkdir()

    result = foodcap("compare", "runs", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [run["label"] for run in json.loads(result.stdout)["runs"]] == ["limited", "whole"]
    assert stderr_lines(result) == [
        f"warning: skipped 1 folder(s) that hold no foodcap run (nothing finished in "
        f"them): {Path('runs') / 'half-made'}"
    ]
    mismatch = json.loads(result.stdout)["mismatches"][0]["message"]
    assert mismatch == f"different scored images: 0 ids only in limited, {size - 4} only in whole"

    starred = foodcap("compare", *sorted(str(path.relative_to(tmp_path)) for path in runs.iterdir()))  # runs/*
    assert starred.returncode == 0, starred.stderr
    assert "runs/half-made, runs/notes" in stderr_lines(starred)[0] and len(stderr_lines(starred)) == 1

    report = foodcap("report", "runs/demo", "--out", "report")
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "report" / "index.html").read_text()
    assert "whole" in page and "limited" in page
    assert one_line_error(foodcap("compare", "runs/notes")) == (
        "error: runs/notes is not a foodcap run folder and holds none (no metrics.json, run.json or history.jsonl)"
    )


def test_runs_of_the_same_ids_and_references_are_comparable_whatever_the_flags(foodcap: Cli, tmp_path: Path) -> None:
    whole = foodcap("run", *COLOUR, "--dataset", "sample", "--out", "whole")
    assert whole.returncode == 0, whole.stderr
    size = json.loads((tmp_path / "whole" / "metrics.json").read_text())["count"]
    same = foodcap("run", *COLOUR, "--dataset", "sample", "--limit", str(size), "--batch-size", "3", "--out", "same")
    assert same.returncode == 0, same.stderr
    assert foodcap("compare", "whole", "same", "--strict").returncode == 0
    other = foodcap("run", *COLOUR, "--dataset", "sample", "--split", "val", "--out", "val")
    assert other.returncode == 0, other.stderr
    val = json.loads((tmp_path / "val" / "metrics.json").read_text())["count"]
    line = one_line_error(foodcap("compare", "whole", "val", "--strict"))
    assert line == (
        f"error: runs are not comparable: different scored images: {size} ids only in whole, {val} only in val"
    )


def test_run_resume_on_a_folder_that_does_not_exist_starts_afresh(foodcap: Cli, tmp_path: Path) -> None:
    result = foodcap("run", *COLOUR, "--dataset", "sample", "--limit", "3", "--resume", "--out", "requeued")
    assert result.returncode == 0, result.stderr
    assert "nothing to resume: requeued does not exist yet, so this starts afresh" in result.stdout
    assert len((tmp_path / "requeued" / "predictions.jsonl").read_text().splitlines()) == 3


# -- dataset records -------------------------------------------------------------------------------------
def test_a_string_caption_is_one_caption() -> None:
    record = DatasetRecord(id="1", image="soup.jpg", captions="grilled cheese")
    assert list(record.captions) == ["grilled cheese"]
    assert list(DatasetRecord(id="2", image="x.jpg", captions=None).captions) == []  # type: ignore[arg-type]


def test_a_dropped_own_split_is_announced_with_its_counts(foodcap: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "karpathy"
    folder.mkdir()
    images = []
    for index, split in enumerate(["train"] * 6 + ["val"] * 2 + ["test"] * 2 + [None] * 3):
        Image.new("RGB", (24, 24), (20 * index, 90, 200)).save(folder / f"{index}.png")
        entry = {"imgid": index, "filename": f"{index}.png", "sentences": [{"raw": f"dish number {index}"}]}
        images.append(entry if split is None else {**entry, "split": split})
    (folder / "dataset.json").write_text(json.dumps({"images": images}))
    result = foodcap("run", *COLOUR, "--dataset", str(folder / "dataset.json"), "--split", "all", "--out", "run")
    assert result.returncode == 0, result.stderr
    assert stderr_lines(result) == [
        "warning: the dataset's own split is not used: 3 of 13 records have no split "
        "(the others: train 6, val 2, test 2); a split is drawn by seed and ratios instead"
    ]


# -- one voice -------------------------------------------------------------------------------------------
def test_usage_errors_are_one_error_line_with_exit_code_2(foodcap: Cli) -> None:
    assert one_line_error(foodcap("run", "--captioner", "dominant-colour", "--limt", "3")) == (
        "error: no such option '--limt'. (Did you mean one of: '--ci', '--limit', '--split'?) (see 'foodcap run --help')"
    )
    assert one_line_error(foodcap("run", "--batch-size", "many")) == (
        "error: invalid value for '--batch-size': 'many' is not a valid integer (see 'foodcap run --help')"
    )
    assert one_line_error(foodcap("compare")) == "error: missing argument 'RUN_DIRS...' (see 'foodcap compare --help')"
    assert one_line_error(foodcap("nonsense")) == "error: no such command 'nonsense' (see 'foodcap --help')"


def test_debug_adds_the_traceback_and_keeps_exit_code_2(foodcap: Cli) -> None:
    for args in (["run", "--captioner", "vit-gtp2", "--dataset", "sample"], ["run", "--limt", "3"]):
        result = foodcap(*args, "--debug")
        assert result.returncode == 2, result.stderr
        assert "Traceback" in result.stderr and result.stderr.rstrip().splitlines()[-1].startswith("error: ")


def test_help_says_what_train_limit_does(foodcap: Cli) -> None:
    text = " ".join(foodcap("train", "--help").stdout.split())
    assert (
        "--limit INTEGER Use only the first N images of each split: run captions N; train also trains, "
        "validates and tests on N." in text
    )


def test_third_party_deprecation_warnings_stay_off_the_console_unless_debug(foodcap: Cli) -> None:
    """peft wraps the LoRA model and reads transformers' deprecated ``is_gradient_checkpointing``."""
    args = ["run", "--captioner", "llama-lora-1b", *TINY, "--limit", "2"]
    quiet = foodcap(*args, "--out", "quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert "Warning" not in quiet.stderr and stderr_lines(quiet) == []
    loud = foodcap(*args, "--out", "loud", "--debug")
    assert loud.returncode == 0, loud.stderr
    assert "FutureWarning: `is_gradient_checkpointing` is deprecated" in loud.stderr
