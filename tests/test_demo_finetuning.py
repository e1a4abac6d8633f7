"""The README's main job: `foodcap demo` fine-tunes a tiny ViT-GPT2 on the sample, and it learns from the image."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foodcap.registry import get_registry

from conftest import Cli


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    result = Cli(root)("demo", "--out", "demo")
    assert result.returncode == 0, result.stderr
    assert "untrained" in result.stdout and "fine-tuned" in result.stdout
    return root / "demo"


def scores(folder: Path) -> dict[str, float]:
    return json.loads((folder / "metrics.json").read_text())["scores"]


def test_training_lowers_val_loss(demo: Path) -> None:
    history = [json.loads(line) for line in (demo / "fine-tuned" / "history.jsonl").read_text().splitlines()]
    assert history[-1]["val_loss"] < 0.8 * history[0]["val_loss"]


def test_fine_tuned_beats_untrained_on_bleu1_and_rouge(demo: Path) -> None:
    before, after = scores(demo / "untrained"), scores(demo / "fine-tuned")
    assert after["bleu-1"] > before["bleu-1"] + 0.1
    assert after["rouge-l"] > before["rouge-l"] + 0.1


def test_the_model_uses_the_image(demo: Path) -> None:
    """Pairing each caption with another image's title (a shuffled-image control) must score clearly lower."""
    predictions = [json.loads(x) for x in (demo / "fine-tuned" / "predictions.jsonl").read_text().splitlines()]
    captions = [p["caption"] for p in predictions]
    references = [[p["reference"]] for p in predictions]
    shuffled = references[7:] + references[:7]
    bleu = get_registry().metric("bleu-1").obj()
    matched, control = bleu.compute(captions, references).score, bleu.compute(captions, shuffled).score
    assert matched > 1.3 * control, (matched, control)
