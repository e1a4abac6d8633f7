"""`--tracker wandb`: an offline wandb run mirrors the config, every history row and the test gallery."""

from __future__ import annotations

import json
import struct
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from foodcap.cli import main
from foodcap.errors import FoodcapError
from foodcap.registry import get_registry
from foodcap.training import TrainConfig, TrainOptions, train

from conftest import COLOURS
from report_runs import QUIET, data, fake_plugins

BLOCK = 32 * 1024  # wandb's transaction log uses LevelDB's log format: 32 KiB blocks, 7-byte record headers


def wandb_records(path: Path) -> Iterator[Any]:
    """The protobuf records of an offline run's ``.wandb`` file (wandb ships no reader for it any more)."""
    from wandb.proto import wandb_internal_pb2

    raw = path.read_bytes()
    assert raw[:4] == b":W&B"
    position, pending = 7, b""
    while position + 7 <= len(raw):
        if BLOCK - position % BLOCK < 7:  # a block's tail too short for a header is padding
            position += BLOCK - position % BLOCK
            continue
        _, length, kind = struct.unpack("<IHB", raw[position : position + 7])
        if kind == 0 and length == 0:
            break
        pending += raw[position + 7 : position + 7 + length]
        position += 7 + length
        if kind in (1, 4):  # a full record, or the last fragment of one
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            yield record
            pending = b""


def finished_records(path: Path, timeout: float = 30.0) -> list[Any]:
    """The run's records once wandb's service has written them all (its exit record), read as they land.

    wandb's service process can still be appending to the log for a moment after ``finish()`` returns.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            records = list(wandb_records(path))
        except Exception:  # noqa: BLE001 - a record still being written parses as garbage
            records = []
        kinds = {record.WhichOneof("record_type") for record in records}
        if {"run", "exit"} <= kinds or time.monotonic() > deadline:
            return records
        time.sleep(0.2)


def config(folder: Path, out: Path, tracker: str = "wandb") -> TrainConfig:
    return TrainConfig(
        captioner="fake",
        options={"titles": list(COLOURS)},
        out=out,
        data=data(folder),
        evaluation={"metrics": ["word-overlap"]},
        train=TrainOptions(epochs=2, lr=0.05, seed=3, tracker=tracker),
    )


def test_offline_wandb_run_holds_config_history_and_gallery(
    kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("wandb", reason="the wandb extra is not installed")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wandb-dir"))
    monkeypatch.setenv("WANDB_SILENT", "true")
    for variable in ("WANDB_DATA_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR"):  # keep wandb out of $HOME
        monkeypatch.setenv(variable, str(tmp_path / variable.lower()))
    (tmp_path / "wandb-dir").mkdir()
    with fake_plugins():
        result = train(config(kaggle_folder, tmp_path / "t"), get_registry(), QUIET, tracker_group="tests")

    history = [json.loads(line) for line in (result.folder / "history.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in history] == [1, 2]  # the local record is written whatever the tracker
    run_id = json.loads((result.folder / "tracker.json").read_text())["wandb_run_id"]
    [run_dir] = (tmp_path / "wandb-dir" / "wandb").glob(f"offline-run-*-{run_id}")
    records = finished_records(run_dir / f"run-{run_id}.wandb")

    run = next(r.run for r in records if r.WhichOneof("record_type") == "run")
    logged_config = {item.key: json.loads(item.value_json) for item in run.config.update}
    assert logged_config["captioner"] == "fake" and logged_config["train"]["lr"] == 0.05
    assert run.display_name == "t" and run.run_group == "tests"

    rows = [
        {item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in r.history.item}
        for r in records
        if r.WhichOneof("record_type") == "history"
    ]
    epochs = [row for row in rows if "train_loss" in row]
    assert [row["_step"] for row in epochs] == [1, 2]
    for logged, local in zip(epochs, history):
        assert logged["train_loss"] == pytest.approx(local["train_loss"])
        assert logged["val_loss"] == pytest.approx(local["val_loss"])
        assert logged["val/word-overlap"] == pytest.approx(local["val_metrics"]["word-overlap"])

    # The gallery: a table of the test images, stored (images included) as a run_table artifact for `wandb sync`.
    assert any(key.startswith("test_gallery/") for key in epochs[-1])
    [artifact] = [r.artifact for r in records if r.WhichOneof("record_type") == "artifact"]
    assert artifact.type == "run_table"
    entries = {entry.path: Path(entry.local_path) for entry in artifact.manifest.contents}
    [table_path] = [path for path in entries if path.endswith(".table.json")]
    table = json.loads(entries[table_path].read_text())
    test = [json.loads(line) for line in (result.folder / "predictions.jsonl").read_text().splitlines()]
    assert table["columns"][:4] == ["id", "image", "reference", "caption"]
    assert [row[0] for row in table["data"]] == [p["id"] for p in test]  # 6 test images, fewer than 16
    assert [row[3] for row in table["data"]] == [p["caption"] for p in test]
    for row, prediction in zip(table["data"], test):
        assert entries[row[1]["path"]].read_bytes() == Path(prediction["image"]).read_bytes()
    summaries = {
        item.key or "/".join(item.nested_key): item.value_json
        for r in records
        if r.WhichOneof("record_type") == "summary"
        for item in r.summary.update
    }
    test_score = json.loads((result.folder / "metrics.json").read_text())["scores"]["word-overlap"]
    assert json.loads(summaries["test/word-overlap"]) == pytest.approx(test_score)


def test_without_wandb_a_one_line_error_names_the_extra(
    kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "wandb", None)  # makes `import wandb` raise ImportError
    with fake_plugins():
        with pytest.raises(FoodcapError, match=r"pip install 'foodcap-core\[wandb\]'"):
            train(config(kaggle_folder, tmp_path / "t"), get_registry(), QUIET)
        assert not (tmp_path / "t").exists()  # it failed before loading or writing anything
        with pytest.raises(SystemExit) as exit_info:
            main(
                [
                    "train",
                    "--captioner",
                    "fake",
                    "--dataset",
                    str(kaggle_folder),
                    "--tracker",
                    "wandb",
                    "--out",
                    str(tmp_path / "cli"),
                    "-o",
                    "titles=['Pea Soup']",
                ]
            )
    assert exit_info.value.code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "--tracker wandb needs wandb" in lines[0]
