"""The reference implementations' scores for one case: run by test_oracles.py in the oracles' environment.

That environment has transformers 4 (bert-score 0.3 and torchmetrics' CLIPScore do not run on 5) and
no foodcap: ``python oracle_scores.py CASE.json OUT.json``.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import torch
from PIL import Image


def clip_scores(case: dict) -> dict:
    from torchmetrics.functional.multimodal.clip_score import _clip_score_update
    from torchmetrics.multimodal.clip_score import CLIPScore
    from transformers import CLIPModel, CLIPProcessor

    model = CLIPModel.from_pretrained(case["clip"]).eval()
    processor = CLIPProcessor.from_pretrained(case["clip"])
    images = [torch.from_numpy(np.asarray(Image.open(path).convert("RGB"))).permute(2, 0, 1) for path in case["images"]]
    captions = case["captions"]
    with torch.no_grad():
        per_sample, _ = _clip_score_update(images, captions, model, processor)
        metric = CLIPScore(model_name_or_path=lambda: (model, processor))
        half = len(captions) // 2  # the module accumulates over updates: two of them
        metric.update(images[:half], captions[:half])
        metric.update(images[half:], captions[half:])
        corpus = metric.compute()
    return {"per_sample": per_sample.tolist(), "corpus": float(corpus)}


def bert_scores(case: dict, settings: dict) -> dict:
    from bert_score import score

    (precision, recall, f1), signature = score(
        case["captions"],
        case["references"],
        model_type=case["roberta"],
        num_layers=settings["num_layers"],
        idf=settings["idf"],
        batch_size=settings["batch_size"],
        lang="en",
        device="cpu",
        nthreads=1,
        rescale_with_baseline=settings["baseline"] is not None,
        baseline_path=settings["baseline"],
        return_hash=True,
    )
    return {"P": precision.tolist(), "R": recall.tolist(), "F": f1.tolist(), "hash": signature}


def main() -> None:
    case = json.loads(open(sys.argv[1], encoding="utf-8").read())
    import bert_score
    import torchmetrics
    import transformers

    out = {
        "clip": clip_scores(case),
        "bertscore": [bert_scores(case, s) for s in case["bertscore"]],
        "versions": {
            "transformers": transformers.__version__,
            "torchmetrics": torchmetrics.__version__,
            "bert_score": bert_score.__version__,
        },
    }
    with open(sys.argv[2], "w", encoding="utf-8") as handle:
        json.dump(out, handle)


if __name__ == "__main__":
    main()
