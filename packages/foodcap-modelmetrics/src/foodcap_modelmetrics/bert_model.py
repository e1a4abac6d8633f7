"""The encoder BERTScore embeds with, loaded once, and the corpus computation bert-score does with it."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from . import bertscore_matching as matching
from .weights import chosen_device, loaded_once, weights_location

if TYPE_CHECKING:
    from .bertscore import BertScoreOptions


def read_baseline(path: Path, layer: int) -> list[float]:
    """The P, R, F baseline of ``layer`` (the row at that position, as bert-score's ``iloc`` reads it)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    return [float(value) for value in rows[layer][1:4]]


class BertScorer:
    """One encoder, cut at the chosen layer, and its tokenizer; the last corpus scored is remembered."""

    def __init__(self, model: Any, tokenizer: Any, device: torch.device) -> None:
        self.model, self.tokenizer, self.device = model, tokenizer, device
        self._last: tuple[Any, torch.Tensor] | None = None

    @classmethod
    def load(cls, options: BertScoreOptions) -> BertScorer:
        device = chosen_device(options.device)

        def load() -> BertScorer:
            from transformers import AutoModel, AutoTokenizer

            location = weights_location(options.model)
            tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=True)
            model = AutoModel.from_pretrained(location, local_files_only=True, dtype=torch.float32)
            return cls(matching.truncated_encoder(model.eval(), options.layers()).to(device), tokenizer, device)

        return loaded_once(f"BERTScore L{options.layers()}", options.model, str(device), load)

    def score(
        self, candidates: Sequence[str], references: Sequence[Sequence[str]], options: BertScoreOptions
    ) -> torch.Tensor:
        """One (P, R, F) row per candidate, best over its references, rescaled if asked."""
        key = (
            tuple(candidates),
            tuple(map(tuple, references)),
            options.idf,
            options.batch_size,
            options.rescale_with_baseline,
            options.baseline_file(),
        )
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        flat_candidates = [c for c, refs in zip(candidates, references) for _ in refs]
        flat_references = [r for refs in references for r in refs]
        weight = matching.idf_weights(self.tokenizer, flat_references, options.idf)
        found = matching.embeddings(
            self.model, self.tokenizer, flat_references + flat_candidates, weight, options.batch_size, self.device
        )
        pairs = matching.greedy_match(found, flat_candidates, flat_references, options.batch_size)
        best = matching.best_per_candidate(pairs, [len(refs) for refs in references])
        baseline_file = options.baseline_file()
        if options.rescale_with_baseline and baseline_file is not None:
            baseline = torch.tensor(read_baseline(baseline_file, options.layers()))
            best = (best - baseline) / (1 - baseline)
        self._last = (key, best)
        return best
