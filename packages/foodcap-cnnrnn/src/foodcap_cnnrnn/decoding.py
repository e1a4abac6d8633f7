"""Batched greedy and beam-search decoding for the recurrent decoder.

Every image's search is independent of the others in its batch: rows only meet in matrix products,
so a batch captions exactly as its images do one at a time. ``<pad>``, ``<bos>`` and ``<unk>`` are
never chosen (``<unk>`` would write nothing), and repetition controls are transformers' own logits
processors, applied to the log-probabilities of each step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import torch
from transformers import (
    LogitsProcessorList,
    NoRepeatNGramLogitsProcessor,
    RepetitionPenaltyLogitsProcessor,
    SuppressTokensLogitsProcessor,
)

from .network import RecurrentState, TitleDecoder, reorder_state
from .vocabulary import BOS_ID, EOS_ID, PAD_ID, UNK_ID

NEVER_CHOSEN = (PAD_ID, BOS_ID, UNK_ID)


@dataclass(frozen=True)
class DecodingSettings:
    """``max_new_tokens`` counts ``<eos>``; ``length_penalty`` divides a finished title's summed
    log-probability by its token count (``<eos>`` included) to that power."""

    max_new_tokens: int
    num_beams: int = 1
    length_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0

    def processors(self) -> LogitsProcessorList:
        processors = LogitsProcessorList([SuppressTokensLogitsProcessor(list(NEVER_CHOSEN))])
        if self.no_repeat_ngram_size > 0:
            processors.append(NoRepeatNGramLogitsProcessor(self.no_repeat_ngram_size))
        if self.repetition_penalty != 1.0:
            processors.append(RepetitionPenaltyLogitsProcessor(self.repetition_penalty))
        return processors


def decode(decoder: TitleDecoder, features: torch.Tensor, settings: DecodingSettings) -> list[list[int]]:
    """Token ids per image (``<bos>`` left out, up to and including ``<eos>`` when one was chosen)."""
    if settings.num_beams == 1:
        return greedy(decoder, features, settings)
    return beam_search(decoder, features, settings)


def _step_log_probs(
    decoder: TitleDecoder, tokens: torch.Tensor, state: RecurrentState, processors: LogitsProcessorList
) -> tuple[torch.Tensor, RecurrentState]:
    """Log-probabilities of the next token after ``tokens`` (whose last one is fed), and the new state."""
    logits, state = decoder(tokens[:, -1:], state)
    log_probs = torch.log_softmax(logits[:, -1].float(), dim=-1)
    return processors(cast(torch.LongTensor, tokens), log_probs), state


def greedy(decoder: TitleDecoder, features: torch.Tensor, settings: DecodingSettings) -> list[list[int]]:
    batch = features.shape[0]
    state = decoder.initial_state(features)
    tokens = torch.full((batch, 1), BOS_ID, dtype=torch.long, device=features.device)
    finished = torch.zeros(batch, dtype=torch.bool, device=features.device)
    processors = settings.processors()
    for _ in range(settings.max_new_tokens):
        log_probs, state = _step_log_probs(decoder, tokens, state, processors)
        chosen = log_probs.argmax(dim=-1).masked_fill(finished, PAD_ID)
        tokens = torch.cat([tokens, chosen[:, None]], dim=1)
        finished |= chosen == EOS_ID
        if bool(finished.all()):
            break
    return [_until_eos(row) for row in tokens[:, 1:].tolist()]


def _until_eos(ids: list[int]) -> list[int]:
    return ids[: ids.index(EOS_ID) + 1] if EOS_ID in ids else ids


@dataclass
class _Hypotheses:
    """One image's finished titles: the best ``size`` by length-normalised score."""

    size: int
    length_penalty: float
    items: list[tuple[float, list[int]]] = field(default_factory=list)

    def add(self, ids: list[int], log_prob: float) -> None:
        self.items.append((log_prob / max(1, len(ids)) ** self.length_penalty, ids))
        self.items.sort(key=lambda item: -item[0])
        del self.items[self.size :]

    def cannot_improve(self, best_running: float, length: int) -> bool:
        """No running beam can still beat the worst kept title (exact when length_penalty <= 0,
        since log-probabilities only fall as a title grows; transformers' heuristic otherwise)."""
        if len(self.items) < self.size:
            return False
        return best_running / length**self.length_penalty <= self.items[-1][0]

    def best(self) -> list[int]:
        return self.items[0][1] if self.items else []


def beam_search(decoder: TitleDecoder, features: torch.Tensor, settings: DecodingSettings) -> list[list[int]]:
    """``num_beams`` running titles per image; each step keeps the best non-ending continuations and
    files every ``<eos>`` among the top ``num_beams`` candidates as a finished title."""
    batch, beams, device = features.shape[0], settings.num_beams, features.device
    state = decoder.initial_state(features.repeat_interleave(beams, dim=0))
    tokens = torch.full((batch * beams, 1), BOS_ID, dtype=torch.long, device=device)
    scores = torch.full((batch, beams), float("-inf"), device=device)
    scores[:, 0] = 0.0  # all beams start identical: expand only the first
    finished = [_Hypotheses(beams, settings.length_penalty) for _ in range(batch)]
    done = [False] * batch
    processors = settings.processors()
    for step in range(1, settings.max_new_tokens + 1):
        log_probs, state = _step_log_probs(decoder, tokens, state, processors)
        vocabulary = log_probs.shape[-1]
        candidates = (scores.reshape(-1, 1) + log_probs).reshape(batch, beams * vocabulary)
        top_scores, top_indices = candidates.topk(min(2 * beams, beams * vocabulary), dim=1)
        rows, next_tokens, next_scores = [], [], []
        for image in range(batch):
            running = tokens[image * beams : (image + 1) * beams]
            kept = _advance(
                top_scores[image].tolist(),
                top_indices[image].tolist(),
                vocabulary,
                running,
                finished[image],
                done[image],
            )
            rows += [image * beams + beam for beam, _, _ in kept]
            next_tokens += [token for _, token, _ in kept]
            next_scores += [score for _, _, score in kept]
            best_running = max(score for _, _, score in kept)  # -inf: no beam left to continue
            done[image] = (
                done[image] or best_running == float("-inf") or finished[image].cannot_improve(best_running, step)
            )
        if all(done):
            break
        order = torch.tensor(rows, device=device)
        tokens = torch.cat([tokens.index_select(0, order), torch.tensor(next_tokens, device=device)[:, None]], dim=1)
        state = reorder_state(state, order)
        scores = torch.tensor(next_scores, device=device).reshape(batch, beams)
    for image in range(batch):  # titles cut by the length cap compete with the finished ones
        if not done[image]:
            for beam in range(beams):
                if scores[image, beam] > float("-inf"):
                    finished[image].add(tokens[image * beams + beam, 1:].tolist(), float(scores[image, beam]))
    return [hypotheses.best() for hypotheses in finished]


def _advance(
    top_scores: list[float],
    top_indices: list[int],
    vocabulary: int,
    running: torch.Tensor,
    finished: _Hypotheses,
    done: bool,
) -> list[tuple[int, int, float]]:
    """(beam, token, score) of the continuations one image keeps, one per beam (its ``running`` rows);
    ``<eos>`` candidates among the best ``beams`` are filed as finished titles."""
    beams = running.shape[0]
    if done:  # a finished image keeps dummy beams that can never win
        return [(0, PAD_ID, float("-inf"))] * beams
    kept: list[tuple[int, int, float]] = []
    for rank, (score, index) in enumerate(zip(top_scores, top_indices)):
        beam, token = divmod(index, vocabulary)
        if score == float("-inf"):
            break
        if token == EOS_ID:
            if rank < beams:
                finished.add([*running[beam, 1:].tolist(), EOS_ID], score)
        else:
            kept.append((beam, token, score))
        if len(kept) == beams:
            break
    while len(kept) < beams:  # fewer live continuations than beams (a tiny vocabulary)
        kept.append((0, PAD_ID, float("-inf")))
    return kept
