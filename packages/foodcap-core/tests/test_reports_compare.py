"""`foodcap compare`: every output format holds each run's metrics.json scores, and mixed evaluations are flagged."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from foodcap.cli import main
from foodcap.errors import FoodcapError
from foodcap.reports import Comparison, compare_runs, load_runs
from foodcap.reports.run_records import run_labels

from report_runs import ReportRuns, fake_plugins, report_runs_fixture, zero_shot_run  # noqa: F401 - a fixture

METRIC = "word-overlap"


def compare(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    main(["compare", *args])
    captured = capsys.readouterr()
    return captured.out, captured.err


def scores(folder: Path) -> dict[str, float]:
    return json.loads((folder / "metrics.json").read_text())["scores"]


def test_csv_markdown_and_json_parse_back_to_the_runs_scores(
    report_runs: ReportRuns, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = [report_runs.zero_shot, report_runs.trained]
    expected = {"zero-shot": scores(runs[0])[METRIC], "fine-tuned": scores(runs[1])[METRIC]}
    assert expected["fine-tuned"] != expected["zero-shot"]  # so a swapped column would show

    out, err = compare(capsys, *map(str, runs), "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["metric", "zero-shot", "fine-tuned"] and err == ""
    assert rows[1][0] == METRIC and [float(v) for v in rows[1][1:]] == list(expected.values())  # full precision
    assert rows[2] == ["images", "6", "6"]

    out, _ = compare(capsys, *map(str, runs), "--format", "csv", "--transpose")
    by_run = {row["run"]: row for row in csv.DictReader(io.StringIO(out))}
    assert {label: float(row[METRIC]) for label, row in by_run.items()} == expected
    assert by_run["fine-tuned"]["images"] == "6"

    out, _ = compare(capsys, *map(str, runs), "--format", "markdown")
    table = [line.strip("|").split("|") for line in out.splitlines() if line.startswith("|")]
    cells = [[cell.strip() for cell in row] for row in table]
    assert cells[0] == ["metric", "zero-shot", "fine-tuned"] and set(cells[1]) <= {"---", "---:"}
    assert cells[2][0] == METRIC and [float(v) for v in cells[2][1:]] == [round(v, 4) for v in expected.values()]
    assert "Not comparable" not in out

    out, _ = compare(capsys, *map(str, runs), "--format", "json")
    document = json.loads(out)
    assert {run["label"]: run["scores"][METRIC] for run in document["runs"]} == expected
    assert document["mismatches"] == [] and document["metrics"] == [METRIC]
    assert {run["kind"] for run in document["runs"]} == {"run", "train"}
    assert len({run["manifest_digest"] for run in document["runs"]}) == 1

    out, _ = compare(capsys, *map(str, runs))
    assert "Overall results" in out and f"{expected['fine-tuned']:.4f}" in out and "zero-shot" in out


def scored_ids(folder: Path) -> set[str]:
    return {json.loads(line)["id"] for line in (folder / "predictions.jsonl").read_text().splitlines()}


def test_runs_that_scored_other_images_are_flagged_saying_how(
    report_runs: ReportRuns, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fake_plugins():
        on_val = zero_shot_run(report_runs.dataset, tmp_path / "on-val", split="val")
        other_split = zero_shot_run(report_runs.dataset, tmp_path / "other-seed", split_seed=7)
    base = str(report_runs.zero_shot)
    test, val, seven = (scored_ids(folder) for folder in (report_runs.zero_shot, on_val, other_split))
    assert test != seven  # another seed drew another test split

    mismatches = compare_runs(load_runs([report_runs.zero_shot, on_val])).mismatches
    assert [m.field for m in mismatches] == ["ids"]
    assert mismatches[0].values == {"zero-shot": len(test), "on-val": len(val)}
    how = f"{len(test - val)} ids only in zero-shot, {len(val - test)} only in on-val"
    assert mismatches[0].describe() == f"different scored images: {how}"
    assert [m.describe() for m in compare_runs(load_runs([report_runs.zero_shot, other_split])).mismatches] == [
        f"different scored images: {len(test - seven)} ids only in zero-shot, {len(seven - test)} only in other-seed"
    ]

    out, err = compare(capsys, base, str(on_val), "--format", "csv")
    assert list(csv.reader(io.StringIO(out)))[0] == ["metric", "zero-shot", "on-val"]  # csv stays parseable
    assert "not comparable" in err and how in err
    out, _ = compare(capsys, base, str(other_split), "--format", "markdown")
    assert "**Not comparable:** different scored images" in out
    document = json.loads(compare(capsys, base, str(on_val), "--format", "json")[0])
    assert document["mismatches"][0]["field"] == "ids" and document["mismatches"][0]["message"].endswith(how)

    with pytest.raises(SystemExit) as exit_info:
        compare(capsys, base, str(on_val), "--strict")
    assert exit_info.value.code == 2
    assert f"runs are not comparable: different scored images: {how}" in capsys.readouterr().err


def test_runs_of_the_same_ids_and_references_are_comparable_whatever_flags_chose_them(
    report_runs: ReportRuns, tmp_path: Path
) -> None:
    """A run of the whole test split and one limited to exactly its size scored the same images."""
    size = len(scored_ids(report_runs.zero_shot))
    with fake_plugins():
        limited = zero_shot_run(report_runs.dataset, tmp_path / "limited", limit=size, batch_size=4)
    assert json.loads((limited / "metrics.json").read_text())["limit"] == size  # recorded, and irrelevant
    assert compare_runs(load_runs([report_runs.zero_shot, limited])).mismatches == []
    with fake_plugins():
        fewer = zero_shot_run(report_runs.dataset, tmp_path / "fewer", limit=size - 2)
    assert [m.describe() for m in compare_runs(load_runs([report_runs.zero_shot, fewer])).mismatches] == [
        "different scored images: 2 ids only in zero-shot, 0 only in fewer"
    ]


def test_other_references_and_dialects_are_flagged(report_runs: ReportRuns, tmp_path: Path) -> None:
    copy = tmp_path / "hf-dialect"
    shutil.copytree(report_runs.zero_shot, copy)
    metrics = json.loads((copy / "metrics.json").read_text())
    (copy / "metrics.json").write_text(json.dumps({**metrics, "dialect": "hf", "count": 5}))
    records = [json.loads(line) for line in (copy / "predictions.jsonl").read_text().splitlines()]
    records[0]["references"] = [*records[0]["references"], "another reference"]
    (copy / "predictions.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    mismatches = compare_runs(load_runs([report_runs.zero_shot, copy])).mismatches
    assert [m.describe() for m in mismatches] == [
        "different metric dialects: zero-shot=coco, hf-dialect=hf",  # the count comes from the predictions
        "different references: 1 ids scored against other references in hf-dialect than in zero-shot",
        f"different numbers of references per image (scores against more references run higher): zero-shot=1.0, "
        f"hf-dialect={round(1 + 1 / len(records), 2)}",
    ]


def test_a_run_without_test_metrics_is_noted_and_other_folders_are_refused(
    report_runs: ReportRuns, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pruned = tmp_path / "pruned"
    pruned.mkdir()
    shutil.copy(report_runs.trained / "history.jsonl", pruned)
    comparison = compare_runs(load_runs([report_runs.trained, pruned]))
    assert comparison.unevaluated == ["pruned"] and comparison.mismatches == []
    assert comparison.scores[METRIC]["pruned"] is None
    out, _ = compare(capsys, str(report_runs.trained), str(pruned), "--format", "csv")
    assert list(csv.reader(io.StringIO(out)))[1][2] == ""

    (tmp_path / "empty").mkdir()
    with pytest.raises(FoodcapError, match="empty is not a foodcap run folder and holds none"):
        load_runs([tmp_path / "empty"])
    with pytest.raises(FoodcapError, match="does not exist"):
        load_runs([tmp_path / "missing"])


def test_labels_are_folder_names_made_unique_only_where_needed(tmp_path: Path) -> None:
    for name in ("a/run", "b/run", "sweep/trials/002", "solo"):
        (tmp_path / name).mkdir(parents=True)
    os.symlink("trials/002", tmp_path / "sweep" / "best")
    paths = [tmp_path / "a/run", tmp_path / "b/run", tmp_path / "sweep" / "best", tmp_path / "solo"]
    assert run_labels(paths) == ["a/run", "b/run", "sweep/best", "solo"]


def test_the_best_run_is_marked_only_when_it_stands_out() -> None:
    def comparison(values: dict[str, float | None]) -> Comparison:
        return Comparison(list(values), ["bleu-1"], {"bleu-1": values}, dict.fromkeys(values, 5), [], [])

    assert comparison({"a": 0.1, "b": 0.3, "c": None}).best_label("bleu-1") == "b"
    assert comparison({"a": 0.3, "b": 0.3}).best_label("bleu-1") is None  # a tie marks nobody
    assert comparison({"a": 0.3, "b": None}).best_label("bleu-1") is None  # nothing to beat
