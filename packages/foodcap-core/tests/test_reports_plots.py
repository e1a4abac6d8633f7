"""The report's figures: labelled axes, a legend entry per run and curve, and the data they claim to show."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PIL import Image

from foodcap.errors import FoodcapError
from foodcap.reports import compare_runs, load_runs, write_report
from foodcap.reports.plots import plot_losses, plot_scores, plot_val_metrics

from report_runs import ReportRuns, report_runs_fixture  # noqa: F401 - a fixture


def history(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "history.jsonl").read_text().splitlines()]


def check_png(path: Path) -> None:
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > 400 and image.height > 250


def test_loss_curves_plot_each_training_runs_history(report_runs: ReportRuns, tmp_path: Path) -> None:
    runs = load_runs([report_runs.zero_shot, report_runs.trained])
    figure = plot_losses(runs, tmp_path / "loss.png")
    check_png(tmp_path / "loss.png")
    axis = figure.axes[0]
    assert axis.get_xlabel() == "epoch" and axis.get_ylabel() == "loss" and axis.get_title()
    legend = [text.get_text() for text in axis.get_legend().get_texts()]
    assert legend == ["fine-tuned train", "fine-tuned val"]  # the zero-shot run has no curve
    rows = history(report_runs.trained)
    train_line, val_line = axis.get_lines()[:2]
    assert list(train_line.get_xdata()) == [row["epoch"] for row in rows]
    assert list(train_line.get_ydata()) == pytest.approx([row["train_loss"] for row in rows])
    assert list(val_line.get_ydata()) == pytest.approx([row["val_loss"] for row in rows])
    assert train_line.get_linestyle() != val_line.get_linestyle()


def test_metric_curves_and_score_bars(report_runs: ReportRuns, tmp_path: Path) -> None:
    runs = load_runs([report_runs.zero_shot, report_runs.trained])
    figure = plot_val_metrics(runs, tmp_path / "val.png")
    check_png(tmp_path / "val.png")
    panel = figure.axes[0]
    assert panel.get_title() == "word-overlap" and panel.get_xlabel() == "epoch"
    assert list(panel.get_lines()[0].get_ydata()) == pytest.approx(
        [row["val_metrics"]["word-overlap"] for row in history(report_runs.trained)]
    )

    comparison = compare_runs(runs)
    figure = plot_scores(comparison, tmp_path / "scores.png")
    check_png(tmp_path / "scores.png")
    axis = figure.axes[0]
    heights = [patch.get_height() for patch in axis.patches]
    assert heights == pytest.approx([comparison.scores["word-overlap"][label] for label in comparison.labels])
    assert [text.get_text() for text in axis.get_legend().get_texts()] == ["zero-shot", "fine-tuned"]
    assert axis.get_ylabel() == "test score"


def test_without_matplotlib_a_one_line_error_names_the_extra(
    report_runs: ReportRuns, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(FoodcapError, match=r"pip install 'foodcap-core\[report\]'"):
        write_report([report_runs.trained], tmp_path / "r")
