"""The Python API: the CLI's code paths, typed results, FoodcapError instead of exits, quiet when asked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

import foodcap
from foodcap.api import config_from_settings
from foodcap.cli import main
from foodcap.config import RunConfig
from foodcap.training import TrainConfig

from conftest import COLOURS
from test_references import MetricPlugin

TITLES = {"titles": list(COLOURS)}


@pytest.fixture
def plugins(fake_plugin: type) -> Iterator[type]:
    from foodcap.plugins import register_plugin, unregister_plugin
    from foodcap.registry import reset_registry

    register_plugin(MetricPlugin, name="reference-count-api")
    reset_registry()
    try:
        yield fake_plugin
    finally:
        unregister_plugin("reference-count-api")
        reset_registry()


def test_settings_are_routed_to_their_config_sections() -> None:
    config = config_from_settings(
        TrainConfig,
        "fake",
        {
            "dataset": Path("/data/x"),
            "split": "val",
            "limit": 3,
            "dialect": "hf",
            "metrics": ["bleu-1"],
            "epochs": 2,
            "freeze": "encoder",
            "out": "runs/a",
            "checkpoint": "runs/b/best",
            "titles": ["a"],
        },
    )
    assert (config.data.dataset, config.data.split, config.data.limit) == ("/data/x", "val", 3)
    assert (config.evaluation.metric_dialect, config.evaluation.metrics) == ("hf", ["bleu-1"])
    assert (config.train.epochs, config.train.freeze, config.out) == (2, "encoder", Path("runs/a"))
    assert config.options == {"checkpoint": "runs/b/best", "titles": ["a"]}
    with pytest.raises(foodcap.FoodcapError, match="invalid value for data.limit"):
        config_from_settings(RunConfig, "fake", {"limit": 0})


def test_load_captioner_captions_images_and_files_in_batches(plugins: type, tmp_path: Path) -> None:
    red = Image.new("RGB", (16, 16), COLOURS["Tomato Soup"])
    path = tmp_path / "red.png"
    Image.new("RGBA", (16, 16), (*COLOURS["Tomato Soup"], 255)).save(path)
    captioner = foodcap.load_captioner("fake", **TITLES)
    plugins.generate_calls = 0
    captions = captioner.caption([red, path, red.convert("L")], batch_size=2)
    assert len(captions) == 3 and captions[0] == captions[1]  # a file decodes like the image it holds
    assert plugins.generate_calls == 2
    (tmp_path / "bad.jpg").write_text("not an image")
    with pytest.raises(foodcap.FoodcapError, match="bad.jpg: not an image"):
        captioner.caption([tmp_path / "bad.jpg"])


def test_run_returns_typed_results_and_writes_what_the_cli_writes(
    plugins: type, kaggle_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = foodcap.run(
        "fake",
        dataset=kaggle_folder,
        split="test",
        metrics=["reference-count"],
        num_workers=0,
        out=tmp_path / "api",
        progress=False,
        **TITLES,
    )
    assert capsys.readouterr() == ("", "")  # progress=False: nothing printed
    assert isinstance(result, foodcap.RunSummary)
    assert result.count == 6 and result.scores == {"reference-count": 1.0}
    assert result.per_sample["reference-count"] == [1.0] * 6
    assert result.cleaning_report["kept"] == 60
    assert {"load_seconds", "caption_seconds", "images_per_second", "metrics_seconds"} <= set(result.timings)

    main(
        [
            "run",
            "--captioner",
            "fake",
            "--dataset",
            str(kaggle_folder),
            "--metrics",
            "reference-count",
            "--num-workers",
            "0",
            "--out",
            str(tmp_path / "cli"),
            "-o",
            f"titles={json.dumps(list(COLOURS))}",
        ]
    )

    def written(folder: str) -> list[dict]:  # the untrained fake's captions depend on its random init
        lines = (tmp_path / folder / "predictions.jsonl").read_text().splitlines()
        return [{k: v for k, v in json.loads(line).items() if k != "caption"} for line in lines]

    assert written("api") == written("cli")
    assert json.loads((tmp_path / "api" / "split.json").read_text()) == json.loads(
        (tmp_path / "cli" / "split.json").read_text()
    )


def test_train_returns_the_best_checkpoint(plugins: type, kaggle_folder: Path, tmp_path: Path) -> None:
    result = foodcap.train(
        "fake",
        dataset=kaggle_folder,
        epochs=2,
        lr=1e-2,
        batch_size=16,
        num_workers=0,
        metrics=["reference-count"],
        out=tmp_path / "trained",
        progress=False,
        **TITLES,
    )
    assert isinstance(result, foodcap.TrainSummary)
    assert len(result.history) == 2 and result.best_checkpoint.is_dir()
    assert result.test_scores == {"reference-count": 1.0} and result.test_count == 6
    reloaded = foodcap.load_captioner("fake", checkpoint=result.best_checkpoint)
    assert reloaded.titles == list(COLOURS)  # type: ignore[attr-defined]


def test_score_takes_one_or_several_references_and_raises_foodcap_errors(plugins: type) -> None:
    scores = foodcap.score(["a", "b"], [["a", "x", "y"], "b"], metrics=["reference-count"])
    assert scores.per_sample["reference-count"] == [3.0, 1.0] and scores.corpus["reference-count"] == 2.0
    with pytest.raises(foodcap.FoodcapError, match="2 predictions but 1 reference lists"):
        foodcap.score(["a", "b"], [["a"]], metrics=["reference-count"])
    with pytest.raises(foodcap.FoodcapError, match="unknown metric 'blue-1'"):
        foodcap.score(["a"], ["a"], metrics=["blue-1"])


def test_errors_are_foodcap_errors_not_exits(plugins: type, tmp_path: Path) -> None:
    with pytest.raises(foodcap.FoodcapError, match="name a captioner"):
        foodcap.run(dataset="sample")
    with pytest.raises(foodcap.FoodcapError, match="cannot tell which kind of dataset"):
        foodcap.run("fake", dataset=tmp_path, progress=False)
    with pytest.raises(foodcap.FoodcapError, match="unknown captioner 'fkae'"):
        foodcap.load_captioner("fkae")
    with pytest.raises(foodcap.FoodcapError, match="invalid value for caption_colum"):
        foodcap.load_dataset("sample", caption_colum="dish")
