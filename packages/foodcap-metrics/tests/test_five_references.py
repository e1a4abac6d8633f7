"""COCO's five references per image, read by foodcap's coco dataset kind: coco-dialect scores equal pycocoevalcap's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

import foodcap
from foodcap_metrics.synthetic import title_corpus

from conftest import requires_java

pytestmark = requires_java

METRICS = ["bleu-1", "bleu-2", "bleu-3", "bleu-4", "rouge-l", "cider-d"]


def write_coco_captions(root: Path, references: list[list[str]]) -> Path:
    """A COCO captions file (images + annotations, in shuffled annotation order) and one tiny image per entry."""
    root.mkdir()
    pixel = Image.new("RGB", (2, 2), (120, 60, 30))
    for index in range(len(references)):
        pixel.save(root / f"{index:06d}.png")
    annotations = [
        {"id": 10 * index + k, "image_id": index, "caption": caption}
        for index, refs in enumerate(references)
        for k, caption in enumerate(refs)
    ]
    annotations = annotations[1::2] + annotations[::2]  # references of an image are not adjacent in the file
    images = [{"id": index, "file_name": f"{index:06d}.png"} for index in range(len(references))]
    path = root / "captions.json"
    path.write_text(json.dumps({"images": images, "annotations": annotations}))
    return path


def test_coco_dialect_equals_pycocoevalcap_with_five_references(tmp_path: Path) -> None:
    from oracles import pycocoevalcap_scores

    corpus = title_corpus(300, seed=21, references_per_title=5)
    dataset = foodcap.load_dataset(write_coco_captions(tmp_path / "coco", corpus.references), kind="coco")
    assert dataset.report.kept == 300 and dataset.report.skipped_total == 0
    by_id = {sample.id: sample for sample in dataset.samples}
    references = [list(by_id[str(index)].references) for index in range(300)]
    assert all(len(refs) == 5 for refs in references)
    # Interleaved in the file, each image's references come back complete (as sets: pycocoevalcap
    # scores a reference list regardless of its order).
    assert [sorted(refs) for refs in references] == [sorted(refs) for refs in corpus.references]

    expected = pycocoevalcap_scores(corpus.predictions, references)
    scores = foodcap.score(corpus.predictions, references, metrics=METRICS, dialect="coco")
    for name in METRICS:
        assert scores.corpus[name] == pytest.approx(expected[name][0], rel=1e-12, abs=1e-12), name
        assert scores.per_sample[name] == pytest.approx(expected[name][1], rel=1e-12, abs=1e-12), name
    single = foodcap.score(corpus.predictions, [refs[:1] for refs in references], metrics=["bleu-1"])
    assert scores.corpus["bleu-1"] > single.corpus["bleu-1"]  # the other four references do count
