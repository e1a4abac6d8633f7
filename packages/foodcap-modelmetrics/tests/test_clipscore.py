"""CLIPScore and RefCLIPScore against Hessel et al.'s formulas on the same CLIP, batch by batch and through a run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import foodcap
from foodcap_modelmetrics import ClipScore, ClipScoreOptions, RefClipScore

from conftest import CAPTIONS, REFERENCES


def reference_embeddings(folder: Path, images: list[Image.Image], texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Image and text features straight from transformers (not foodcap's encoder), unnormalised, as numpy."""
    from transformers import CLIPModel, CLIPTokenizer
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    model = CLIPModel.from_pretrained(folder).eval()
    tokens = CLIPTokenizer.from_pretrained(folder)(
        texts, padding=True, truncation=True, max_length=77, return_tensors="pt"
    )
    pixels = CLIPImageProcessorPil.from_pretrained(folder)(images=images, return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        image = model.get_image_features(pixel_values=pixels).pooler_output
        text = model.get_text_features(**tokens).pooler_output
    return image.numpy(), text.numpy()


def hessel_clip_s(images: np.ndarray, candidates: np.ndarray, w: float = 2.5) -> np.ndarray:
    """jmhessel/clipscore's get_clip_score, as written there (numpy >= 1.21 branch)."""
    images = images / np.sqrt(np.sum(images**2, axis=1, keepdims=True))
    candidates = candidates / np.sqrt(np.sum(candidates**2, axis=1, keepdims=True))
    return w * np.clip(np.sum(images * candidates, axis=1), 0, None)


def hessel_ref_s(candidates: np.ndarray, references: list[np.ndarray]) -> np.ndarray:
    """get_refonlyclipscore's best reference cosine, clamped at 0 as the paper defines RefCLIP-S."""
    candidates = candidates / np.sqrt(np.sum(candidates**2, axis=1, keepdims=True))
    best = [np.max(c.dot((r / np.sqrt(np.sum(r**2, axis=1, keepdims=True))).T)) for c, r in zip(candidates, references)]
    return np.clip(np.array(best), 0, None)


def opened(paths: list[Path]) -> list[Image.Image]:
    return [Image.open(path).convert("RGB") for path in paths]


def test_clipscore_and_refclipscore_follow_hessel_et_al(tiny_clip: Path, image_files: list[Path]) -> None:
    images = opened(image_files)
    image_features, caption_features = reference_embeddings(
        tiny_clip, images, [f"A photo depicts {c}" for c in CAPTIONS]
    )
    expected_clip = hessel_clip_s(image_features, caption_features)
    assert 0 < (expected_clip == 0).sum() < len(CAPTIONS)  # the tiny model gives cosines of both signs: clamping shows

    options = ClipScoreOptions(model=str(tiny_clip), batch_size=3)  # the model sees chunks of 3
    clip = ClipScore(options).compute(CAPTIONS, REFERENCES, images)
    np.testing.assert_allclose(clip.per_sample, expected_clip, atol=1e-5)
    assert clip.score == pytest.approx(float(np.mean(expected_clip)), abs=1e-6)

    references = [
        reference_embeddings(tiny_clip, images[:1], [f"A photo depicts {r}" for r in refs])[1] for refs in REFERENCES
    ]
    ref_s = hessel_ref_s(caption_features, references)
    expected_ref = np.where(
        expected_clip + ref_s > 0, 2 * expected_clip * ref_s / np.maximum(expected_clip + ref_s, 1e-12), 0
    )
    refclip = RefClipScore(options).compute(CAPTIONS, REFERENCES, images)
    np.testing.assert_allclose(refclip.per_sample, expected_ref, atol=1e-5)


def test_the_hf_dialect_is_100_cos_without_prefix_clamped_once(tiny_clip: Path, image_files: list[Path]) -> None:
    images = opened(image_files)
    image_features, caption_features = reference_embeddings(tiny_clip, images, CAPTIONS)
    cosines = np.sum(
        image_features
        / np.linalg.norm(image_features, axis=1, keepdims=True)
        * caption_features
        / np.linalg.norm(caption_features, axis=1, keepdims=True),
        axis=1,
    )
    result = ClipScore(ClipScoreOptions(model=str(tiny_clip), dialect="hf")).compute(CAPTIONS, REFERENCES, images)
    short = [index for index, caption in enumerate(CAPTIONS) if len(caption) < 100]
    # The long caption is cut torchmetrics' way (ids sliced at 77, end token lost), which test_oracles checks.
    np.testing.assert_allclose(np.array(result.per_sample)[short], 100 * cosines[short], atol=1e-4)
    assert min(result.per_sample) < 0  # per image: not clamped
    assert result.score == pytest.approx(max(float(np.mean(result.per_sample)), 0.0), abs=1e-6)
    # Intervals and paired tests recompute the corpus score from summed per-image scores: clamped the same way.
    totals = np.array([sum(result.per_sample), len(result.per_sample)])
    metric = ClipScore(ClipScoreOptions(model=str(tiny_clip), dialect="hf"))
    assert metric.score_from_statistics(totals) == pytest.approx(result.score, abs=1e-9) == 0.0


def test_scores_do_not_depend_on_how_the_corpus_is_batched(tiny_clip: Path, image_files: list[Path]) -> None:
    images = opened(image_files)
    whole = ClipScore(ClipScoreOptions(model=str(tiny_clip), batch_size=64)).compute(CAPTIONS, REFERENCES, images)
    scoring = ClipScore(ClipScoreOptions(model=str(tiny_clip), batch_size=2)).image_pass()
    for start in range(0, len(CAPTIONS), 3):
        scoring.add_batch(images[start : start + 3], CAPTIONS[start : start + 3], REFERENCES[start : start + 3])
    np.testing.assert_allclose(scoring.finish().per_sample, whole.per_sample, atol=1e-6)


def test_the_image_matters_and_the_run_path_decodes_it(tiny_clip: Path, image_files: list[Path]) -> None:
    options = {"clipscore": {"model": str(tiny_clip)}, "refclipscore": {"model": str(tiny_clip)}}
    scored = foodcap.score(
        CAPTIONS, REFERENCES, metrics=["clipscore", "refclipscore"], images=image_files, metric_options=options
    )
    direct = ClipScore(ClipScoreOptions(model=str(tiny_clip))).compute(CAPTIONS, REFERENCES, opened(image_files))
    np.testing.assert_allclose(scored.per_sample["clipscore"], direct.per_sample, atol=1e-6)
    swapped = foodcap.score(
        CAPTIONS, REFERENCES, metrics=["clipscore"], images=image_files[::-1], metric_options=options
    )
    assert not np.allclose(swapped.per_sample["clipscore"], scored.per_sample["clipscore"], atol=1e-3)
    assert set(scored.signatures) == {"clipscore", "refclipscore"}
    assert scored.signatures["clipscore"].startswith("clipscore|hessel2021|w:2.5|prefix:A photo depicts")
