from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from foodcap.config import DataConfig, EvalConfig, RunConfig
from foodcap.errors import FoodcapError
from foodcap.registry import get_registry
from foodcap.runs.folder import part_records
from foodcap.runs.runner import run

from conftest import COLOURS

QUIET = Console(quiet=True)


def config(folder: Path, out: Path, **data: object) -> RunConfig:
    return RunConfig(
        captioner="fake",
        options={"titles": list(COLOURS)},
        out=out,
        data=DataConfig(**{"dataset": str(folder), "split": "all", "batch_size": 4, "num_workers": 0, **data}),
        evaluation=EvalConfig(metrics=[]),
    )


def test_run_writes_every_prediction_and_the_records(fake_plugin: type, kaggle_folder: Path, tmp_path: Path) -> None:
    result = run(config(kaggle_folder, tmp_path / "run", num_workers=2), get_registry(), QUIET)
    predictions = [json.loads(line) for line in (result.folder / "predictions.jsonl").read_text().splitlines()]
    assert len(predictions) == result.count == 60
    assert len({p["id"] for p in predictions}) == 60
    assert {p["reference"].rsplit(" ", 1)[0] for p in predictions} == set(COLOURS)
    assert all(p["caption"] in COLOURS for p in predictions)
    record = json.loads((result.folder / "run.json").read_text())
    assert record["kind"] == "run" and record["config"]["captioner"] == "fake"
    assert record["cleaning_report"]["kept"] == 60
    assert "foodcap-core" in record["versions"]
    metrics = json.loads((result.folder / "metrics.json").read_text())
    assert metrics["split"] == "all" and metrics["count"] == 60
    assert (result.folder / "split.json").exists()


def test_resume_does_not_redo_finished_images(
    fake_plugin: type, kaggle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    real_generate = fake_plugin.generate

    def crash_after_three_batches(self, inputs):  # type: ignore[no-untyped-def]
        if type(self).generate_calls >= 3:
            raise KeyboardInterrupt
        return real_generate(self, inputs)

    monkeypatch.setattr(fake_plugin, "generate", crash_after_three_batches)
    with pytest.raises(KeyboardInterrupt):
        run(config(kaggle_folder, out), get_registry(), QUIET)
    assert not (out / "predictions.jsonl").exists()  # nothing merged yet: the batches live in the part
    assert len([record for _, record in part_records(out)]) == 12
    monkeypatch.setattr(fake_plugin, "generate", real_generate)
    fake_plugin.generate_calls = 0
    with pytest.raises(FoodcapError, match="pass --resume"):
        run(config(kaggle_folder, out), get_registry(), QUIET)
    result = run(config(kaggle_folder, out).model_copy(update={"resume": True}), get_registry(), QUIET)
    assert fake_plugin.generate_calls == 12  # (60 - 12) / 4 batches: the first 12 images were not redone
    lines = (out / "predictions.jsonl").read_text().splitlines()
    assert len(lines) == result.count == 60 and len({json.loads(x)["id"] for x in lines}) == 60


def test_torn_last_line_is_dropped_on_resume(fake_plugin: type, kaggle_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run(config(kaggle_folder, out, limit=8), get_registry(), QUIET)
    text = (out / "predictions.jsonl").read_text()
    (out / "predictions.jsonl").write_text(text + '{"id": "trunc')
    result = run(config(kaggle_folder, out, limit=8).model_copy(update={"resume": True}), get_registry(), QUIET)
    assert result.count == 8
    assert all(json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines())
