"""The judge model: loaded once, asked one batch of questions per forward pass, left padded.

The question differs per caption, so prompts differ in length; left padding puts every prompt's
last token in the last column, where the first answer token is predicted. The logits come from
``generate(max_new_tokens=1)``, the captioner's own path (positions and image tokens as in
captioning), so a caption's score does not depend on its batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import torch
from PIL.Image import Image
from transformers import PreTrainedModel

import foodcap
from foodcap import Batch, FoodcapError
from foodcap.backend import clean_generation_config

from ..batches import encode_prompts, on_device
from ..families import Family
from ..prompting import render_prompt
from .answers import AnswerTokens, Verdicts, read_verdicts
from .source import JudgeSource


class JudgeModel:
    """A chat VLM, its processor and family, and the answer tokens its verdicts are read from."""

    def __init__(self, model: PreTrainedModel, processor: Any, family: Family, device: torch.device) -> None:
        self.model = model.eval()
        self.processor = processor
        self.family = family
        self.device = device
        self.answers = AnswerTokens.of(processor.tokenizer, family.answer_prefix)
        pad = processor.tokenizer.pad_token_id
        # One greedy step whose raw logits are kept; nothing from the hub's generation_config.
        self.one_step = clean_generation_config(
            {"max_new_tokens": 1, "num_beams": 1, "output_logits": True, "return_dict_in_generate": True},
            pad_token_id=pad if pad is not None else processor.tokenizer.eos_token_id,
        )

    @classmethod
    def load(cls, source: JudgeSource) -> JudgeModel:
        """Loaded as the captioner of that name loads it (precision by family, checked processor, safe weights)."""
        from ..captioner import VlmCaptioner

        captioner = foodcap.load_captioner(source.captioner, **source.settings)
        if not isinstance(captioner, VlmCaptioner):
            raise FoodcapError(f"judge model {source.captioner!r} did not load as a chat VLM")
        return cls(captioner.base_model, captioner.processor, captioner.family, captioner.device)

    def inputs(self, questions: Sequence[str], images: Sequence[Image]) -> Batch:
        """One left-padded batch: each question about its image, in the family's chat format."""
        texts = [render_prompt(self.processor, self.family, question).text for question in questions]
        return encode_prompts(self.processor, self.family, texts, [[image] for image in images], "left")

    def first_answer_logits(self, batch: Batch) -> torch.Tensor:
        """The logits of the first answer token, one row per question."""
        inputs = on_device(batch, self.model.get_submodule(self.family.vision_tower), self.device)
        with torch.inference_mode():
            output = self.model.generate(**inputs, generation_config=self.one_step)  # type: ignore[operator]
        return cast(torch.Tensor, output.logits[0])

    def verdicts(
        self,
        questions: Sequence[str],
        images: Sequence[Image],
        batch_size: int,
        advance: Callable[[int], None] = lambda count: None,
    ) -> Verdicts:
        """Every question judged, in order; batches group prompts of similar length (less padding)."""
        order = sorted(range(len(questions)), key=lambda index: len(questions[index]))
        score, mass = [0.0] * len(questions), [0.0] * len(questions)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            batch = self.inputs([questions[i] for i in chosen], [images[i] for i in chosen])
            verdicts = read_verdicts(self.first_answer_logits(batch), self.answers)
            for index, value, weight in zip(chosen, verdicts.score, verdicts.mass):
                score[index], mass[index] = value, weight
            advance(len(chosen))
        return Verdicts(score, mass)
