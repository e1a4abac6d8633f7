"""Intervals and p-values where people look: `foodcap compare --paired-bs/--paired-ar` in every format,
`foodcap.compare`, the HTML report's interval bars and verdict lines, and `foodcap run --ci`."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import foodcap
from foodcap.cli import main
from foodcap.metric import mean_statistics
from foodcap.reports import ReportSettings, write_report
from foodcap.significance import Draws, PairedSettings, paired_test

from conftest import COLOURS
from report_runs import ReportRuns, fake_plugins, report_runs_fixture  # noqa: F401 - a fixture

METRIC = "word-overlap"


def compare(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    with fake_plugins():  # the runs' metric must be installed to gather its statistics
        main(["compare", *args])
    captured = capsys.readouterr()
    return captured.out, captured.err


def stored_statistics(folder: Path) -> np.ndarray:
    lines = (folder / "predictions.jsonl").read_text().splitlines()
    return mean_statistics([json.loads(line)["scores"][METRIC] for line in lines])


def test_json_holds_estimates_equal_to_the_paired_test_on_the_stored_scores(
    report_runs: ReportRuns, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = [report_runs.zero_shot, report_runs.trained]
    statistics = [stored_statistics(run) for run in runs]
    default = foodcap.Metric.score_from_statistics
    for test in ("bs", "ar"):
        out, _ = compare(capsys, *map(str, runs), f"--paired-{test}", "--format", "json")
        document = json.loads(out)
        settings = PairedSettings(test)  # the defaults: 1000 resamples, 10000 trials, seed 12345
        assert document["significance"] == {
            "test": test,
            "bootstrap_samples": 1000,
            "seed": 12345,
            "randomization_trials": 10000 if test == "ar" else None,
            "baseline": "zero-shot",
            "notes": [],
        }
        expected = paired_test(
            statistics,
            lambda totals: default(None, totals),  # type: ignore[arg-type]
            Draws.make(len(statistics[0]), settings),
        )
        for run, estimate in zip(document["runs"], expected):
            assert run["estimates"][METRIC] == {"mean": estimate.mean, "ci95": estimate.ci, "p_value": estimate.p_value}
            assert run["scores"][METRIC] == pytest.approx(estimate.score, rel=1e-12)
        assert expected[1].p_value is not None and 0 < expected[1].p_value <= 1


def test_csv_markdown_and_table_show_intervals_and_p_values(
    report_runs: ReportRuns, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = list(map(str, [report_runs.zero_shot, report_runs.trained]))
    plain, _ = compare(capsys, *runs, "--format", "csv")
    assert "mean" not in plain  # intervals only when asked for: the quick table stays as it was
    out, err = compare(capsys, *runs, "--format", "csv", "--paired-bs", "--paired-bs-n", "200")
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(out))}
    assert set(rows) == {"metric", METRIC, f"{METRIC} mean", f"{METRIC} ci95", f"{METRIC} p", "images"}
    assert rows[f"{METRIC} p"][0] == "" and 0 < float(rows[f"{METRIC} p"][1]) <= 1  # the baseline has none
    assert float(rows[f"{METRIC} ci95"][0]) >= 0 and "200 resamples, seed 12345" in err
    out, _ = compare(capsys, *runs, "--format", "csv", "--paired-bs", "--transpose")
    by_run = {row["run"]: row for row in csv.DictReader(io.StringIO(out))}
    assert by_run["fine-tuned"][f"{METRIC} p"] != "" and by_run["zero-shot"][f"{METRIC} p"] == ""
    out, _ = compare(capsys, *runs, "--format", "markdown", "--paired-ar", "--paired-ar-n", "500")
    assert " ± " in out and "p = " in out and "approximate randomization, 500 trials" in out
    assert "fine-tuned vs zero-shot: " in out
    out, _ = compare(capsys, *runs, "--paired-bs", "--paired-seed", "7")
    assert "seed 7" in out and " ± " in out


def test_unpaired_runs_and_uninstalled_metrics_get_a_note_not_an_interval(
    report_runs: ReportRuns, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fewer = tmp_path / "fewer"
    shutil.copytree(report_runs.trained, fewer)
    lines = (fewer / "predictions.jsonl").read_text().splitlines()
    (fewer / "predictions.jsonl").write_text("\n".join(lines[1:]) + "\n")
    out, _ = compare(capsys, str(report_runs.zero_shot), str(fewer), "--paired-bs", "--format", "json")
    document = json.loads(out)
    assert (
        "no paired tests: fewer captioned other images than zero-shot (5 vs 6 ids)"
        in document["significance"]["notes"][0]
    )
    assert all(run["estimates"] == {} for run in document["runs"])
    # Without the metric installed there are no statistics to resample: said once, not guessed.
    main(["compare", str(report_runs.zero_shot), str(report_runs.trained), "--paired-bs", "--format", "markdown"])
    assert f"{METRIC} has no interval: the metric is not installed here" in capsys.readouterr().out


def test_api_compare_returns_the_comparison_with_its_significance(report_runs: ReportRuns) -> None:
    with fake_plugins():
        plain = foodcap.compare([report_runs.zero_shot, report_runs.trained])
        tested = foodcap.compare([report_runs.zero_shot, report_runs.trained], paired="bs", bootstrap_samples=100)
    assert plain.significance is None and [run.label for run in plain.runs] == ["zero-shot", "fine-tuned"]
    assert tested.significance is not None and tested.significance.settings.bootstrap_samples == 100
    estimate = tested.significance.estimate(METRIC, "fine-tuned")
    assert estimate is not None and estimate.score == tested.scores[METRIC]["fine-tuned"]
    with pytest.raises(foodcap.FoodcapError, match="at least 1"):
        foodcap.compare([report_runs.zero_shot], paired="ar", randomization_trials=0)


def test_report_shows_interval_bars_and_whether_the_difference_is_real(report_runs: ReportRuns, tmp_path: Path) -> None:
    with fake_plugins():
        page = write_report([report_runs.zero_shot, report_runs.trained], tmp_path / "report")
    html = page.read_text()
    assert html.count('class="interval"') == 2 and "Is the difference real?" in html
    assert "fine-tuned vs zero-shot: " in html and "1000 resamples, seed 12345" in html
    with fake_plugins():
        plain = write_report(
            [report_runs.zero_shot, report_runs.trained], tmp_path / "plain", ReportSettings(paired=None)
        )
    assert 'class="interval"' not in plain.read_text()


def test_run_ci_adds_intervals_to_the_score_table(
    report_runs: ReportRuns, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fake_plugins():
        main(
            [
                "run",
                "--captioner",
                "fake",
                "--dataset",
                str(report_runs.dataset),
                "--metrics",
                METRIC,
                "--num-workers",
                "0",
                "--out",
                str(tmp_path / "run"),
                "-o",
                f"titles={json.dumps(list(COLOURS))}",
                "--ci",
            ]
        )
    out = " ".join(capsys.readouterr().out.split())  # the table's caption wraps
    assert "mean ± 95% CI" in out and "95% bootstrap intervals of 1000 resamples, seed 12345" in out
    shown = json.loads((tmp_path / "run" / "metrics.json").read_text())["scores"][METRIC]
    assert f"{shown:.4f}" in out
