"""Metrics that look at the image: decoded once for all of them, fed in order, failures kept apart."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from html import escape
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

import foodcap
from foodcap import ImageMetric, ImagePass, Metric, MetricScore, check_corpus, hookimpl
from foodcap.config import DataConfig, EvalConfig, RunConfig
from foodcap.plugins import register_plugin, unregister_plugin
from foodcap.registry import get_registry, reset_registry
from foodcap.reports import ReportSettings, write_report
from foodcap.runs.runner import merge_run, run
from foodcap.runs.scoring import score, shuffled_control
from foodcap.training import TrainConfig, TrainOptions, train

from conftest import COLOURS

QUIET = Console(quiet=True)


def nearest_colour(image: Image.Image) -> str:
    """The COLOURS title whose colour is closest to the image's mean pixel: the test's reference implementation."""
    mean = np.asarray(image.convert("RGB"), dtype=np.float64).reshape(-1, 3).mean(0)
    return min(COLOURS, key=lambda title: float(np.square(mean - np.array(COLOURS[title])).sum()))


class ColourMatch(ImageMetric):
    """1 where the caption starts with the title of the image's colour, else 0: it needs the image."""

    name = "colour-match"
    seen_modes: list[str] = []

    def image_pass(self) -> ImagePass:
        return _ColourPass()


class _ColourPass(ImagePass):
    def __init__(self) -> None:
        self.per_sample: list[float] = []

    def add_batch(
        self, images: Sequence[Image.Image], predictions: Sequence[str], references: Sequence[Sequence[str]]
    ) -> None:
        ColourMatch.seen_modes += [image.mode for image in images]
        self.per_sample += [float(p.startswith(nearest_colour(i))) for i, p in zip(images, predictions)]

    def finish(self) -> MetricScore:
        return MetricScore(sum(self.per_sample) / len(self.per_sample), self.per_sample)


class Brightness(ImageMetric):
    """The mean pixel value of each image, ignoring the caption."""

    name = "brightness"

    def image_pass(self) -> ImagePass:
        return _BrightnessPass()


class _BrightnessPass(_ColourPass):
    def add_batch(
        self, images: Sequence[Image.Image], predictions: Sequence[str], references: Sequence[Sequence[str]]
    ) -> None:
        self.per_sample += [float(np.asarray(image).mean()) for image in images]


class BreaksOnImages(ImageMetric):
    name = "breaks-on-images"

    def image_pass(self) -> ImagePass:
        class Broken(_ColourPass):
            def add_batch(self, *_: object) -> None:
                raise RuntimeError("the model ran out of memory")

        return Broken()


class CaptionLength(Metric):
    """A text metric written before image metrics existed: its compute takes two arguments."""

    name = "caption-length"

    def compute(self, predictions: Sequence[str], references: Sequence[Sequence[str]]) -> MetricScore:
        check_corpus(predictions, references)
        per_sample = [float(len(p)) for p in predictions]
        return MetricScore(sum(per_sample) / len(per_sample), per_sample)


class ImageMetricPlugin:
    @staticmethod
    @hookimpl
    def register_metrics(register: Callable[..., None]) -> None:
        for metric in (ColourMatch, Brightness, BreaksOnImages, CaptionLength):
            register(metric)


@pytest.fixture
def image_metrics(fake_plugin: type) -> Iterator[None]:
    register_plugin(ImageMetricPlugin, name="image-metric-test")
    reset_registry()
    try:
        yield
    finally:
        unregister_plugin("image-metric-test")
        reset_registry()


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every image decoded in this process (the tests decode in-process: num_workers=0)."""
    import foodcap.batches.loading as image_batches

    opened: list[Path] = []
    real = image_batches.open_rgb

    def counting(path: Path) -> tuple[Image.Image, str | None]:
        opened.append(Path(path))
        return real(path)

    monkeypatch.setattr(image_batches, "open_rgb", counting)
    return opened


def colour_files(folder: Path) -> tuple[list[str], list[list[str]], list[Path]]:
    """One solid-colour image per title (one greyscale JPEG among them), captioned with its own title."""
    folder.mkdir()
    titles, images = list(COLOURS), []
    for index, (title, rgb) in enumerate(COLOURS.items()):
        path = folder / f"{index}.jpg"
        image = Image.new("RGB", (40, 30), rgb)
        (image.convert("L") if title == "Rice Pudding" else image).save(path)
        images.append(path)
    return titles, [[title] for title in titles], images


def test_each_image_is_decoded_once_for_every_image_metric_and_never_for_text(
    tmp_path: Path, decodes: list[Path]
) -> None:
    captions, references, images = colour_files(tmp_path / "images")
    ColourMatch.seen_modes = []
    text_only = score([CaptionLength()], captions, references, images, DataConfig(batch_size=4, num_workers=0))
    assert decodes == [] and text_only.corpus == {"caption-length": pytest.approx(np.mean([len(c) for c in captions]))}

    metrics = [CaptionLength(), ColourMatch(), Brightness()]
    scores = score(metrics, captions, references, images, DataConfig(batch_size=4, num_workers=0))
    assert decodes == images  # once each, in corpus order, shared by both image metrics
    assert list(scores.corpus) == ["caption-length", "colour-match", "brightness"]  # the order asked for
    assert scores.per_sample["colour-match"] == [1.0] * len(captions)
    expected = [float(np.asarray(Image.open(path).convert("RGB")).mean()) for path in images]
    assert scores.per_sample["brightness"] == pytest.approx(expected)
    assert set(ColourMatch.seen_modes) == {"RGB"}  # the greyscale file arrives as RGB, as captioning sees it


def test_the_shuffled_control_pairs_captions_with_other_images(tmp_path: Path) -> None:
    captions, references, images = colour_files(tmp_path / "images")
    data = DataConfig(batch_size=4, num_workers=0)
    metrics = [ColourMatch()]
    scores = score(metrics, captions, references, images, data)
    assert shuffled_control(metrics, captions, references, scores, images, data) == {
        "colour-match": {"matched": 1.0, "shuffled": 0.0}
    }


def test_a_failing_image_metric_or_a_vanished_image_loses_no_other_score(tmp_path: Path) -> None:
    captions, references, images = colour_files(tmp_path / "images")
    data = DataConfig(batch_size=4, num_workers=0)
    scores = score([BreaksOnImages(), ColourMatch(), CaptionLength()], captions, references, images, data)
    assert scores.failures == {"breaks-on-images": "RuntimeError: the model ran out of memory"}
    assert scores.corpus["colour-match"] == 1.0 and "caption-length" in scores.corpus

    images[5].unlink()
    scores = score([ColourMatch(), CaptionLength()], captions, references, images, data)
    assert scores.failures["colour-match"].startswith(f"image {images[5]} could not be decoded for scoring")
    assert list(scores.corpus) == ["caption-length"]

    scores = score([ColourMatch(), CaptionLength()], captions, references, None, data)
    assert "none were given" in scores.failures["colour-match"] and "caption-length" in scores.corpus


def test_a_run_and_its_merge_score_image_metrics_per_image(
    image_metrics: None, kaggle_folder: Path, tmp_path: Path
) -> None:
    config = RunConfig(
        captioner="fake",
        options={"titles": list(COLOURS)},
        out=tmp_path / "run",
        data=DataConfig(dataset=str(kaggle_folder), split="all", batch_size=8, num_workers=1),
        evaluation=EvalConfig(metrics=["caption-length", "colour-match"]),
    )
    for shard in ("0/2", "1/2"):
        run(config.model_copy(update={"shard": shard}), get_registry(), QUIET)
    result = merge_run(tmp_path / "run", get_registry())
    records = [json.loads(line) for line in (result.folder / "predictions.jsonl").read_text().splitlines()]
    assert len(records) == 60
    for record in records:
        expected = float(record["caption"].startswith(nearest_colour(Image.open(record["image"]))))
        assert record["scores"]["colour-match"] == expected
        assert record["scores"]["caption-length"] == len(record["caption"])
    assert result.scores.corpus["colour-match"] == pytest.approx(
        np.mean([r["scores"]["colour-match"] for r in records])
    )
    grounding = json.loads((result.folder / "run.json").read_text())["grounding"]
    assert set(grounding) == {"colour-match", "caption-length"}
    assert json.loads((result.folder / "metrics.json").read_text())["image_metrics"] == ["colour-match"]

    # The report's gallery shows each image's colour-match beside the headline (caption-length) score.
    page = write_report([result.folder], tmp_path / "report", ReportSettings(gallery_size=4, examples=1))
    gallery = re.findall(r'<section id="gallery">.*?</section>', page.read_text(), re.S)[0]
    shown = re.findall(r'<span class="score image-score">colour-match ([0-9.]+)</span>', gallery)
    assert len(shown) == 4
    by_id = {r["id"]: r for r in records}
    cards = re.findall(
        r'<div class="id">([^<]*)</div>.*?<li>([^<]*) <span class="score">caption-length ([0-9.]+)</span> '
        r'<span class="score image-score">colour-match ([0-9.]+)</span></li>',
        gallery,
        re.S,
    )
    assert len(cards) == 4
    for sample_id, caption, length, match in cards:
        record = by_id[sample_id]
        assert caption == escape(record["caption"])
        assert (float(length), float(match)) == (record["scores"]["caption-length"], record["scores"]["colour-match"])


def test_training_scores_image_metrics_on_val_and_test(
    image_metrics: None, kaggle_folder: Path, tmp_path: Path
) -> None:
    result = train(
        TrainConfig(
            captioner="fake",
            options={"titles": list(COLOURS)},
            out=tmp_path / "trained",
            data=DataConfig(dataset=str(kaggle_folder), batch_size=8, num_workers=0),
            evaluation=EvalConfig(metrics=["colour-match"]),
            train=TrainOptions(epochs=1, lr=1e-2),
        ),
        get_registry(),
        QUIET,
    )
    assert "colour-match" in result.history[0]["val_metrics"]
    assert result.test_scores is not None and set(result.test_scores.corpus) == {"colour-match"}
    records = [json.loads(line) for line in (result.folder / "predictions.jsonl").read_text().splitlines()]
    assert [r["scores"]["colour-match"] for r in records] == [
        float(r["caption"].startswith(nearest_colour(Image.open(r["image"])))) for r in records
    ]


def test_the_python_api_needs_the_images_for_image_metrics(image_metrics: None, tmp_path: Path) -> None:
    captions, references, images = colour_files(tmp_path / "images")
    with pytest.raises(foodcap.FoodcapError, match="colour-match look"):
        foodcap.score(captions, references, metrics=["colour-match"])
    with pytest.raises(foodcap.FoodcapError, match="6 predictions but 2 images"):
        foodcap.score(captions, references, metrics=["colour-match"], images=images[:2])
    scores = foodcap.score(captions[::-1], references, metrics=["colour-match"], images=[str(p) for p in images])
    assert scores.per_sample["colour-match"] == [0.0] * 6
    assert ColourMatch().compute(captions, references, [Image.open(p).convert("RGB") for p in images]).score == 1.0


def test_image_metrics_on_a_sharded_run_are_refused_before_captioning(
    image_metrics: None, fake_plugin: type, tmp_path: Path
) -> None:
    """A streamed webdataset run records no image files to score against: one line, before any caption."""
    from foodcap.errors import FoodcapError

    from shard_layouts import write_shards

    pattern = write_shards(tmp_path / "data", shards=2, per_shard=3)
    fake_plugin.generate_calls = 0
    with pytest.raises(FoodcapError, match="inside its shards") as refused:
        foodcap.run(
            "fake",
            dataset=pattern,
            split="all",
            metrics=["colour-match"],
            num_workers=0,
            out=tmp_path / "run",
            progress=False,
            titles=list(COLOURS),
        )
    assert "colour-match" in str(refused.value) and "\n" not in str(refused.value)
    assert fake_plugin.generate_calls == 0 and not (tmp_path / "run").exists()
