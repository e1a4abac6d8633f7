"""BERTScore's computation as the bert-score package (0.3.13) does it, step for step.

Each sentence is encoded as bert-score encodes it (stripped, a prefix space for byte-level BPE
tokenizers, truncated at the tokenizer's limit), embedded once by the encoder cut after
``num_layers`` layers, and every (caption, reference) pair is matched greedily on cosine
similarity, weighted by IDF (or by 1, with the start and end tokens at 0). Pairs are matched in
chunks of ``batch_size`` padded together, as bert-score does: a padded position counts as a
similarity of 0, so where every real similarity of a token is negative (random weights, never
with roberta-large) the chunking shows in the score, exactly as in bert-score.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch.nn.utils.rnn import pad_sequence

BYTE_LEVEL_TOKENIZERS = {"RobertaTokenizer", "GPT2Tokenizer"}  # where bert-score adds a prefix space


def sentence_ids(tokenizer: Any, sentence: str) -> list[int]:
    """bert-score's ``sent_encode``."""
    sentence = sentence.strip()
    if not sentence:
        build = getattr(tokenizer, "build_inputs_with_special_tokens", None)  # gone in transformers 5
        return list(build([]) if build else tokenizer.encode("", add_special_tokens=True))
    byte_level = any(cls.__name__.removesuffix("Fast") in BYTE_LEVEL_TOKENIZERS for cls in type(tokenizer).__mro__)
    # The slow tokenizer's add_prefix_space=True prepends one space to text that does not start with one.
    text = " " + sentence if byte_level else sentence
    return list(tokenizer.encode(text, add_special_tokens=True, max_length=tokenizer.model_max_length, truncation=True))


def idf_weights(tokenizer: Any, references: Sequence[str], use_idf: bool) -> Callable[[int], float]:
    """bert-score's IDF dict: log((M + 1) / (count + 1)) over the M references; without IDF, 1 for every
    token but the start and end tokens, which get 0."""
    if not use_idf:
        special = {tokenizer.sep_token_id, tokenizer.cls_token_id}
        return lambda token: 0.0 if token in special else 1.0
    counts: Counter[int] = Counter()
    for reference in references:
        counts.update(set(sentence_ids(tokenizer, reference)))
    documents = len(references)
    return lambda token: math.log((documents + 1) / (counts.get(token, 0) + 1))


def truncated_encoder(model: Any, num_layers: int) -> Any:
    """The model up to layer ``num_layers`` (BERT-style encoders: ``encoder.layer``), as bert-score cuts it."""
    if hasattr(model, "decoder") and hasattr(model, "encoder"):
        model = model.encoder
    layers = getattr(getattr(model, "encoder", None), "layer", None)
    if layers is None:
        raise ValueError(f"bertscore supports BERT-style encoders (model.encoder.layer); {type(model).__name__} is not")
    if not 0 <= num_layers <= len(layers):
        raise ValueError(f"num_layers must be between 0 and {len(layers)} for this model, not {num_layers}")
    model.encoder.layer = torch.nn.ModuleList(list(layers[:num_layers]))
    return model


@torch.no_grad()
def embeddings(
    model: Any,
    tokenizer: Any,
    sentences: Sequence[str],
    weight: Callable[[int], float],
    batch_size: int,
    device: torch.device,
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Each distinct sentence's token embeddings and token weights (on the CPU), longest first as bert-score orders them."""
    ordered = sorted(set(sentences), key=lambda s: len(s.split(" ")), reverse=True)
    found: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start : start + batch_size]
        ids = [sentence_ids(tokenizer, sentence) for sentence in batch]
        padded = pad_sequence([torch.tensor(i) for i in ids], batch_first=True, padding_value=tokenizer.pad_token_id)
        mask = pad_sequence([torch.ones(len(i), dtype=torch.long) for i in ids], batch_first=True)
        hidden = model(padded.to(device), attention_mask=mask.to(device))[0].float().cpu()
        for row, (sentence, tokens) in enumerate(zip(batch, ids)):
            found[sentence] = (hidden[row, : len(tokens)], torch.tensor([weight(t) for t in tokens], dtype=torch.float))
    return found


def _padded(stats: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([embedding.size(0) for embedding, _ in stats])
    embedding = pad_sequence([e for e, _ in stats], batch_first=True, padding_value=2.0)
    weights = pad_sequence([w for _, w in stats], batch_first=True)
    mask = torch.arange(int(lengths.max())).expand(len(stats), -1) < lengths.unsqueeze(1)
    return embedding, mask, weights


def greedy_match(
    found: dict[str, tuple[torch.Tensor, torch.Tensor]],
    candidates: Sequence[str],
    references: Sequence[str],
    batch_size: int,
) -> torch.Tensor:
    """(P, R, F) for each (candidate, reference) pair: bert-score's ``greedy_cos_idf`` over chunks of pairs."""
    rows = []
    for start in range(0, len(references), batch_size):
        ref, ref_mask, ref_weight = _padded([found[s] for s in references[start : start + batch_size]])
        hyp, hyp_mask, hyp_weight = _padded([found[s] for s in candidates[start : start + batch_size]])
        ref = ref / ref.norm(dim=-1, keepdim=True)
        hyp = hyp / hyp.norm(dim=-1, keepdim=True)
        sim = torch.bmm(hyp, ref.transpose(1, 2)) * torch.bmm(
            hyp_mask.unsqueeze(2).float(), ref_mask.unsqueeze(1).float()
        )
        precision = (sim.max(dim=2)[0] * (hyp_weight / hyp_weight.sum(dim=1, keepdim=True))).sum(dim=1)
        recall = (sim.max(dim=1)[0] * (ref_weight / ref_weight.sum(dim=1, keepdim=True))).sum(dim=1)
        f1 = 2 * precision * recall / (precision + recall)
        empty = hyp_mask.sum(dim=1).eq(2) | ref_mask.sum(dim=1).eq(2)  # only the start and end tokens
        precision, recall = precision.masked_fill(empty, 0.0), recall.masked_fill(empty, 0.0)
        rows.append(torch.stack((precision, recall, f1.masked_fill(torch.isnan(f1), 0.0)), dim=-1))
    return torch.cat(rows)


def best_per_candidate(pairs: torch.Tensor, group_sizes: Sequence[int]) -> torch.Tensor:
    """Each candidate's best P, R and F over its references, each taken on its own (bert-score's max)."""
    best, start = [], 0
    for size in group_sizes:
        best.append(pairs[start : start + size].max(dim=0)[0])
        start += size
    return torch.stack(best)
