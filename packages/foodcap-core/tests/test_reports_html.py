"""`foodcap report`: the page's content comes from the run folders, and the folder is self-contained."""

from __future__ import annotations

import json
import re
import shutil
from html import escape
from pathlib import Path

import pytest

from foodcap.cli import main
from foodcap.errors import FoodcapError
from foodcap.reports import ReportSettings, load_runs, write_report
from foodcap.reports.gallery import ImageCopies, best_and_worst, evenly_spaced, shared_gallery

from report_runs import ReportRuns, report_runs_fixture  # noqa: F401 - a fixture

METRIC = "word-overlap"


def predictions(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]


def sources(page: Path) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', page.read_text())


def test_page_holds_the_table_curves_dataset_and_the_same_gallery_for_every_run(
    report_runs: ReportRuns, tmp_path: Path
) -> None:
    page = write_report(
        [report_runs.zero_shot, report_runs.trained], tmp_path / "report", ReportSettings(gallery_size=4, examples=2)
    )
    html = page.read_text()
    out = page.parent

    for label in ("zero-shot", "fine-tuned"):
        assert f"<th>{label}</th>" in html
    trained_score = json.loads((report_runs.trained / "metrics.json").read_text())["scores"][METRIC]
    zero_score = json.loads((report_runs.zero_shot / "metrics.json").read_text())["scores"][METRIC]
    best = f"{max(trained_score, zero_score):.4f}"
    assert f'<td class="best">{best}</td>' in html

    assert sorted(p.name for p in (out / "plots").iterdir()) == ["loss.png", "scores.png", "val_metrics.png"]
    for source in sources(page):  # every picture is a file inside the report folder
        assert not source.startswith(("/", "http")) and ".." not in source
        assert (out / source).is_file(), source
    assert '<img src="plots/loss.png"' in html and '<img src="plots/val_metrics.png"' in html

    record = json.loads((report_runs.trained / "run.json").read_text())
    assert "<th>all runs</th>" in html  # both runs read the same data: one column says so
    assert "<td>rows read</td><td>60</td>" in html
    for split, size in record["split_sizes"].items():
        assert f"<td>{split} images</td><td>{size}</td>" in html

    # The gallery: the same evenly spread test images, each with every run's caption and score.
    shown = evenly_spaced([p["id"] for p in predictions(report_runs.zero_shot)], 4)
    assert re.findall(r'<section id="gallery">.*?</section>', html, re.S)[0].count('class="card"') == 4
    gallery = re.findall(r'<section id="gallery">.*?</section>', html, re.S)[0]
    for run in (report_runs.zero_shot, report_runs.trained):
        by_id = {p["id"]: p for p in predictions(run)}
        for sample_id in shown:
            record = by_id[sample_id]
            assert f'<div class="id">{sample_id}</div>' in gallery
            assert (
                f'{escape(record["caption"])} <span class="score">{METRIC} {record["scores"][METRIC]:.3f}</span>'
                in gallery
            )


def test_gallery_and_extremes_pick_what_the_predictions_say(report_runs: ReportRuns, tmp_path: Path) -> None:
    runs = load_runs([report_runs.zero_shot, report_runs.trained])
    images = ImageCopies(tmp_path)
    items = shared_gallery(runs, 3, METRIC, images)
    assert [item.id for item in items] == evenly_spaced([p["id"] for p in predictions(report_runs.zero_shot)], 3)
    for item in items:
        source = next(p for p in predictions(report_runs.trained) if p["id"] == item.id)
        assert item.reference == source["reference"]
        assert (tmp_path / item.image).read_bytes() == Path(source["image"]).read_bytes()
        assert [caption.run for caption in item.captions] == ["zero-shot", "fine-tuned"]
        assert item.captions[1].text == source["caption"] and item.captions[1].score == source["scores"][METRIC]

    best, worst = best_and_worst(runs[1], 2, METRIC, images)
    scores = sorted((p["scores"][METRIC] for p in predictions(report_runs.trained)), reverse=True)
    assert [item.captions[0].score for item in best] == scores[:2]
    assert [item.captions[0].score for item in worst] == sorted(scores)[:2]
    assert not {item.id for item in best} & {item.id for item in worst}
    assert len(list((tmp_path / "images").iterdir())) == len(images.copied)  # each image copied once


def test_missing_images_grounding_and_reruns(report_runs: ReportRuns, tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    shutil.copytree(report_runs.trained, moved)
    records = predictions(moved)
    for record in records:
        record["image"] = str(tmp_path / "gone" / Path(record["image"]).name)
    (moved / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (moved / "grounding.json").write_text(json.dumps({"blank_image_agreement": 0.125, "images": {"checked": 6}}))

    out = tmp_path / "report"
    (out / "images").mkdir(parents=True)
    (out / "images" / "stale.jpg").write_bytes(b"old")
    page = write_report([moved], out, ReportSettings(gallery_size=2, examples=1))
    html = page.read_text()
    assert "image not available" in html and not (out / "images").exists()
    assert all(source.startswith("plots/") for source in sources(page))
    assert '<section id="grounding">' in html and "<td>blank_image_agreement</td><td>0.1250</td>" in html
    assert "<td>images.checked</td><td>6</td>" in html
    assert "scores.png" not in html  # one run: the table says it all

    with pytest.raises(FoodcapError, match="holds a run"):
        write_report([moved], moved)
    with pytest.raises(FoodcapError, match="no run has per-sample scores for metric 'bleu-9'"):
        write_report([moved], out, ReportSettings(metric="bleu-9"))


def test_report_command_writes_the_page(
    report_runs: ReportRuns, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        [
            "report",
            str(report_runs.zero_shot),
            str(report_runs.trained),
            "--out",
            str(tmp_path / "r"),
            "--gallery-size",
            "2",
            "--examples",
            "1",
            "--metric",
            METRIC,
        ]
    )
    assert f"report: {tmp_path / 'r' / 'index.html'}" in capsys.readouterr().out.replace("\n", "")
    assert (tmp_path / "r" / "index.html").read_text().count('class="card"') == 2 + 2 * 2
