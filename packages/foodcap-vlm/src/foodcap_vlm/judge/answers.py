"""Reading a yes/no answer from the judge's logits instead of from generated text.

The judge's first answer token decides between "yes" and "no". Its probability is read from the
softmax over the whole vocabulary at the first answer position:
``score = P(yes) / (P(yes) + P(no))``, where P(yes) sums the spellings of yes (``Yes``, ``yes``,
with and without the family's leading space) and P(no) those of no. ``mass = P(yes) + P(no)``
says how much of the distribution fell on an answer at all: a judge that wants to say something
else has a low mass, and its score deserves less trust.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from foodcap import FoodcapError

YES, NO = ("Yes", "yes"), ("No", "no")


@dataclass(frozen=True)
class AnswerTokens:
    """The vocabulary ids whose probability counts as yes, and those that count as no."""

    yes: tuple[int, ...]
    no: tuple[int, ...]
    yes_text: tuple[str, ...]
    no_text: tuple[str, ...]

    @classmethod
    def of(cls, tokenizer: Any, answer_prefix: str = "") -> AnswerTokens:
        """The first token of every spelling of yes and no; a first token both share (a bare space) counts for neither.

        A word the tokenizer splits (small tokenizers do) is represented by its first piece, which
        is what the judge must emit first to give that answer.
        """
        yes, no = _first_tokens(tokenizer, YES, answer_prefix), _first_tokens(tokenizer, NO, answer_prefix)
        shared = set(yes) & set(no)
        yes, no = [t for t in yes if t not in shared], [t for t in no if t not in shared]
        if not yes or not no:
            raise FoodcapError(
                "the judge's tokenizer cannot tell 'yes' from 'no' by their first token; choose another judge model"
            )
        return cls(
            tuple(yes),
            tuple(no),
            tuple(tokenizer.convert_ids_to_tokens(yes)),
            tuple(tokenizer.convert_ids_to_tokens(no)),
        )

    def describe(self) -> dict[str, list[str]]:
        return {"yes": list(self.yes_text), "no": list(self.no_text)}


def _first_tokens(tokenizer: Any, words: Sequence[str], answer_prefix: str) -> list[int]:
    spellings = dict.fromkeys(f"{space}{word}" for word in words for space in dict.fromkeys(("", " ", answer_prefix)))
    firsts = (tokenizer(spelling, add_special_tokens=False)["input_ids"] for spelling in spellings)
    return list(dict.fromkeys(ids[0] for ids in firsts if ids))


@dataclass(frozen=True)
class Verdicts:
    """Per sample: ``score`` = P(yes) / (P(yes) + P(no)) and ``mass`` = P(yes) + P(no)."""

    score: list[float]
    mass: list[float]


def read_verdicts(logits: torch.Tensor, answers: AnswerTokens) -> Verdicts:
    """Verdicts from the logits at the first answer position, one row per sample (any dtype).

    Computed in log space (``sigmoid(logsumexp(yes) - logsumexp(no))``), so a judge that puts
    almost no mass on either answer still gets a defined score.
    """
    logits = logits.float()
    yes = torch.logsumexp(logits[:, list(answers.yes)], dim=-1)
    no = torch.logsumexp(logits[:, list(answers.no)], dim=-1)
    mass = torch.exp(torch.logaddexp(yes, no) - torch.logsumexp(logits, dim=-1))
    return Verdicts(torch.sigmoid(yes - no).tolist(), mass.tolist())
