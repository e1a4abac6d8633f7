"""The prompt every image is asked with: zero-shot, or with few-shot examples, in the family's format.

The prompt is the same for every image of a run, so it is rendered once; only the images differ.
Everything here pickles: the preprocessor runs in DataLoader workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from PIL.Image import Image

from foodcap import FoodcapError

from .families import Family

DEFAULT_PROMPT = (
    "What dish is shown in this photo? Answer with its recipe title only, in a few words, "
    "the way a recipe website would name it. No other text."
)
TITLES_HEADER = "Examples of recipe titles:"

ShotFormat = Literal["images", "titles"]


@dataclass(frozen=True)
class Example:
    """One few-shot example from the train split; ``image`` is None in the titles-only format."""

    id: str
    title: str
    image: Image | None


@dataclass(frozen=True)
class Prompt:
    """The rendered text before the answer and the example images that go with it."""

    text: str
    example_images: tuple[Image, ...]

    def images_for(self, image: Image) -> list[Image]:
        return [*self.example_images, image]


def question_for(family: Family, prompt: str | None) -> str:
    """The question asked: the prompt option, or the family's own (PaliGemma: its task prefix), or ours."""
    return prompt or family.default_prompt or DEFAULT_PROMPT


def render_prompt(
    processor: Any,
    family: Family,
    question: str,
    system: str | None = None,
    examples: Sequence[Example] = (),
    shot_format: ShotFormat = "images",
) -> Prompt:
    """The family's prompt text for ``question``, with ``examples`` as earlier turns or a title list."""
    if system is not None and not family.system_prompt:
        raise FoodcapError(f"{family.label} has no system turn; drop system_prompt")
    if shot_format == "titles" and examples:
        question = _with_titles(family, question, [example.title for example in examples])
        examples = ()
    if examples and family.images_per_prompt is not None:
        raise FoodcapError(
            f"{family.label} takes {family.images_per_prompt} image per prompt, so its examples cannot be "
            "photos; use -o shot_format=titles"
        )
    if not family.chat_template:
        return Prompt(question, ())
    messages: list[dict[str, Any]] = []
    if system is not None:
        messages.append({"role": "system", "content": [{"type": "text", "text": system}]})
    for example in examples:
        messages.append(_user_turn(question))
        messages.append({"role": "assistant", "content": [{"type": "text", "text": example.title}]})
    messages.append(_user_turn(question))
    text = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return Prompt(text, tuple(example.image for example in examples if example.image is not None))


def _with_titles(family: Family, question: str, titles: list[str]) -> str:
    """The question with example titles. A chat model reads them as a list before the question; a
    task-prefix model (PaliGemma) must see its prefix first, so the titles follow it on its line."""
    if family.chat_template:
        listed = "\n".join(f"- {title}" for title in titles)
        return f"{TITLES_HEADER}\n{listed}\n\n{question}"
    return f"{question} {TITLES_HEADER} {'; '.join(titles)}"


def _user_turn(question: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}
