"""Image paths stay inside the dataset's folder: a path that leads out is skipped and counted, unless the user
opts in (``--allow-outside-root``, ``[data] allow_outside_root``, ``run(..., allow_outside_root=True)``), and a
report copies only images its run read."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from foodcap import api
from foodcap.cli import main
from foodcap.dataset import load_kaggle_dataset
from foodcap.dataset.inside_root import OUTSIDE_ROOT
from foodcap.dataset.selection import open_dataset
from foodcap.registry import get_registry
from foodcap.reports import write_report

from conftest import COLOURS, write_kaggle_folder
from dataset_layouts import write_image


def write_escaping_imagefolder(tmp_path: Path) -> Path:
    """Two images inside the folder (one through a symlink that stays inside) and three ways out."""
    root, elsewhere = tmp_path / "menu", tmp_path / "private"
    write_image(root / "soup.jpg")
    write_image(root / "photos" / "cake.jpg", (230, 220, 40))
    os.symlink(root / "photos" / "cake.jpg", root / "cake-link.jpg")  # a link that stays inside
    for name in ("parent.jpg", "absolute.jpg", "linked.jpg"):
        write_image(elsewhere / name, (90, 50, 20))
    os.symlink(elsewhere / "linked.jpg", root / "escape.jpg")  # a link that leads out
    rows = [
        {"file_name": "soup.jpg", "caption": "Tomato soup"},
        {"file_name": "cake-link.jpg", "caption": "Lemon cake"},
        {"file_name": "../private/parent.jpg", "caption": "Parent dish"},
        {"file_name": str(elsewhere / "absolute.jpg"), "caption": "Absolute dish"},
        {"file_name": "escape.jpg", "caption": "Linked dish"},
    ]
    (root / "metadata.jsonl").write_text("\n".join(json.dumps(row) for row in rows))
    return root


def test_paths_out_of_the_dataset_folder_are_skipped_and_counted_by_default(tmp_path: Path) -> None:
    root = write_escaping_imagefolder(tmp_path)
    dataset = open_dataset(str(root), get_registry())
    assert dataset.report.to_dict() == {"rows_read": 5, "kept": 2, "skipped": {OUTSIDE_ROOT: 3}, "repaired": {}}
    assert sorted(sample.id for sample in dataset.samples) == ["cake-link.jpg", "soup.jpg"]
    assert dataset.image_roots == (root.resolve(),)


def test_allow_outside_root_keeps_every_path(tmp_path: Path) -> None:
    root = write_escaping_imagefolder(tmp_path)
    dataset = open_dataset(str(root), get_registry(), options={"allow_outside_root": True})
    assert dataset.report.to_dict() == {"rows_read": 5, "kept": 5, "skipped": {}, "repaired": {}}
    assert dataset.image_roots is None


def test_a_coco_file_name_outside_its_image_root_is_skipped(tmp_path: Path) -> None:
    write_image(tmp_path / "coco" / "images" / "1.jpg")
    write_image(tmp_path / "home" / "me.jpg")
    captions = tmp_path / "coco" / "captions.json"
    captions.write_text(
        json.dumps(
            {
                "images": [
                    {"id": 1, "file_name": "images/1.jpg"},
                    {"id": 2, "file_name": str(tmp_path / "home" / "me.jpg")},
                ],
                "annotations": [{"image_id": 1, "caption": "A soup"}, {"image_id": 2, "caption": "Me"}],
            }
        )
    )
    dataset = open_dataset(str(captions), get_registry())
    assert [sample.id for sample in dataset.samples] == ["1"]
    assert dataset.report.skipped == {OUTSIDE_ROOT: 1}


def test_a_kaggle_image_that_links_out_of_the_folder_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / "food"
    write_kaggle_folder(root, per_title=2)
    images = root / "Food Images" / "Food Images"
    (tmp_path / "private").mkdir()
    shutil.move(images / "pea-soup-0.jpg", tmp_path / "private" / "pea-soup-0.jpg")
    os.symlink(tmp_path / "private" / "pea-soup-0.jpg", images / "pea-soup-0.jpg")
    dataset = load_kaggle_dataset(root)
    assert dataset.report.skipped == {OUTSIDE_ROOT: 1} and dataset.report.kept == 2 * len(COLOURS) - 1
    assert len(load_kaggle_dataset(root, allow_outside_root=True).samples) == 2 * len(COLOURS)


def run_args(dataset: Path, out: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--captioner",
        "fake",
        "-o",
        "titles=" + json.dumps(["Tomato soup", "Lemon cake"]),
        "--dataset",
        str(dataset),
        "--split",
        "all",
        "--num-workers",
        "0",
        "--metrics",
        "",
        "--out",
        str(out),
        *extra,
    ]


def run_record(out: Path) -> dict:
    return json.loads((out / "run.json").read_text())


def test_the_cli_flag_the_config_file_and_the_api_opt_in(
    fake_plugin: type, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_escaping_imagefolder(tmp_path)
    main(run_args(root, tmp_path / "default"))
    record = run_record(tmp_path / "default")
    assert record["cleaning_report"]["skipped"] == {OUTSIDE_ROOT: 3}
    assert record["image_roots"] == [str(root.resolve())]
    assert f"skipped │ {OUTSIDE_ROOT}" in capsys.readouterr().out.replace("  ", " ").replace("  ", " ")

    main(run_args(root, tmp_path / "flag", "--allow-outside-root"))
    assert run_record(tmp_path / "flag")["cleaning_report"]["kept"] == 5
    assert run_record(tmp_path / "flag")["image_roots"] is None

    config = tmp_path / "outside.toml"
    config.write_text("[data]\nallow_outside_root = true\n")
    main([*run_args(root, tmp_path / "file"), "--config", str(config)])
    assert run_record(tmp_path / "file")["cleaning_report"]["kept"] == 5

    summary = api.run(
        "fake",
        options={"titles": ["Tomato soup", "Lemon cake"]},
        dataset=str(root),
        split="all",
        num_workers=0,
        metrics=[],
        out=tmp_path / "api",
        allow_outside_root=True,
        progress=False,
    )
    assert summary.count == 5 and summary.cleaning_report["kept"] == 5


def report_images(page: Path) -> list[str]:
    return re.findall(r'<img src="(images/[^"]+)"', page.read_text())


def test_the_report_copies_only_images_the_run_read(fake_plugin: type, tmp_path: Path) -> None:
    root = write_escaping_imagefolder(tmp_path)
    main(run_args(root, tmp_path / "run"))
    private = tmp_path / "private" / "absolute.jpg"
    lines = (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()
    tampered = [json.loads(line) for line in lines]
    tampered[0]["image"] = str(private)  # a run folder from elsewhere naming a local file
    (tmp_path / "run" / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in tampered))
    page = write_report([tmp_path / "run"], tmp_path / "report")
    copied = [(page.parent / name).read_bytes() for name in report_images(page)]
    assert len(copied) == 1 and private.read_bytes() not in copied  # the other record's image only
    assert "image not available" in page.read_text()

    main(run_args(root, tmp_path / "opted-in", "--allow-outside-root"))  # the run read outside images
    page = write_report([tmp_path / "opted-in"], tmp_path / "report-2")
    assert len(report_images(page)) == 5


def test_a_run_without_recorded_image_folders_shows_no_image(fake_plugin: type, tmp_path: Path) -> None:
    root = write_escaping_imagefolder(tmp_path)
    main(run_args(root, tmp_path / "run"))
    record = run_record(tmp_path / "run")
    del record["image_roots"]  # a run.json from before image folders were recorded, or from elsewhere
    (tmp_path / "run" / "run.json").write_text(json.dumps(record))
    page = write_report([tmp_path / "run"], tmp_path / "report")
    assert report_images(page) == []
