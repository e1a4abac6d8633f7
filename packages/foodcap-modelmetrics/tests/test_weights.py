"""Registration, and weights by folder or hub id from the local cache only: pre-flight says what is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from foodcap.config import EvalConfig
from foodcap.preflight import metric_checks
from foodcap.registry import get_registry
from foodcap_modelmetrics import BertScoreOptions, ClipScoreOptions
from foodcap_modelmetrics.bertscore import BertScoreF1
from foodcap_modelmetrics.clipscore import ClipScore

from conftest import CAPTIONS, REFERENCES

NAMES = ["clipscore", "refclipscore", "bertscore", "bertscore-precision", "bertscore-recall"]


def test_every_metric_is_registered_by_this_package() -> None:
    registry = get_registry()
    for name in NAMES:
        entry = registry.metric(name)
        assert entry.source.distribution == "foodcap-modelmetrics"
    assert registry.metric("clipscore").obj.needs_images and registry.metric("refclipscore").obj.needs_images
    assert not registry.metric("bertscore").obj.needs_images


def test_preflight_names_missing_folders_and_uncached_hub_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    evaluation = EvalConfig(
        metrics=["clipscore", "bertscore"], metric_options={"clipscore": {"model": str(tmp_path / "no-such-clip")}}
    )
    checks = {check.name: check for check in metric_checks(get_registry(), evaluation)}
    assert not checks["metric clipscore"].ok
    assert checks["metric clipscore"].detail == (
        f"clipscore weights: {tmp_path / 'no-such-clip'} is not a model folder (no config.json); pass "
        "--metric-option clipscore.model=FOLDER with a folder save_pretrained wrote"
    )
    assert not checks["metric bertscore"].ok and "'roberta-large' are not in the local Hugging Face cache" in (
        checks["metric bertscore"].detail
    )
    rescaled = EvalConfig(
        metrics=["bertscore"],
        metric_options={
            "bertscore": {"model": str(tmp_path), "rescale_with_baseline": True, "baseline": str(tmp_path / "none.tsv")}
        },
    )
    detail = "; ".join(c.detail for c in metric_checks(get_registry(), rescaled) if not c.ok)
    assert "no config.json" in detail and "set bertscore.num_layers" in detail and "none.tsv" in detail


def test_a_hub_id_loads_from_the_local_cache_offline(tiny_clip: Path, tiny_roberta: Path, tmp_path: Path) -> None:
    """The weights laid out as the hub's cache holds them, found by id with the network off."""
    cache = tmp_path / "hub"
    for repo, folder in (("tiny/clip", tiny_clip), ("tiny/roberta", tiny_roberta)):
        home = cache / f"models--{repo.replace('/', '--')}"
        shutil.copytree(folder, home / "snapshots" / ("0" * 40))
        (home / "refs").mkdir()
        (home / "refs" / "main").write_text("0" * 40)
    probe = (
        "from foodcap_modelmetrics import *\nfrom foodcap_modelmetrics.weights import missing_weights\n"
        "from PIL import Image\n"
        "assert missing_weights('clipscore', 'tiny/clip') == [] and missing_weights('bertscore', 'tiny/nope')\n"
        f"captions, references = {CAPTIONS[:2]!r}, {REFERENCES[:2]!r}\n"
        "images = [Image.new('RGB', (40, 30), (200, 30, 30))] * 2\n"
        "print(ClipScore(ClipScoreOptions(model='tiny/clip')).compute(captions, references, images).score)\n"
        "print(BertScoreF1(BertScoreOptions(model='tiny/roberta', num_layers=2)).compute(captions, references).score)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    images = [Image.new("RGB", (40, 30), (200, 30, 30))] * 2
    expected_clip = ClipScore(ClipScoreOptions(model=str(tiny_clip))).compute(CAPTIONS[:2], REFERENCES[:2], images)
    expected_bert = BertScoreF1(BertScoreOptions(model=str(tiny_roberta), num_layers=2)).compute(
        CAPTIONS[:2], REFERENCES[:2]
    )
    assert [float(line) for line in done.stdout.split()] == pytest.approx(
        [expected_clip.score, expected_bert.score], abs=1e-6
    )


def test_a_model_is_loaded_once_per_run_and_shared(tiny_clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import transformers

    loads = []
    real = transformers.CLIPModel.from_pretrained.__func__  # type: ignore[attr-defined]

    def counting(cls: type, *args: object, **kwargs: object) -> object:
        loads.append(args[0])
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(transformers.CLIPModel, "from_pretrained", classmethod(counting))
    monkeypatch.setattr("foodcap_modelmetrics.weights._LOADED", {})
    from foodcap_modelmetrics import RefClipScore

    image = [Image.new("RGB", (40, 30), (20, 30, 200))]
    for metric in (ClipScore, RefClipScore, ClipScore):
        metric(ClipScoreOptions(model=str(tiny_clip))).compute(CAPTIONS[:1], REFERENCES[:1], image)
    assert loads == [str(tiny_clip)]
