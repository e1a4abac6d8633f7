"""The judge's questions, versioned: a run records the version and the exact text it asked.

Change a question only by adding a new version: scores from different wordings are not comparable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

JudgeMode = Literal["dish", "image"]


@dataclass(frozen=True)
class JudgePrompt:
    """One version of one mode's question; ``{caption}`` and ``{references}`` are filled per sample."""

    mode: JudgeMode
    version: int
    template: str

    @property
    def label(self) -> str:
        return f"{self.mode}-v{self.version}"

    def question(self, caption: str, references: Sequence[str]) -> str:
        return self.template.format(caption=caption.strip(), references=_listed(references))


def _listed(references: Sequence[str]) -> str:
    """One reference on its line; several as a bulleted list (COCO has five per image)."""
    if len(references) == 1:
        return references[0].strip()
    return "".join(f"\n- {reference.strip()}" for reference in references)


PROMPTS: tuple[JudgePrompt, ...] = (
    # Reference-based: is it the same dish as the recipe title, however it is worded?
    JudgePrompt(
        "dish",
        1,
        (
            "The photo shows a dish whose recipe title is: {references}\n"
            "A caption written for the photo: {caption}\n"
            "Does the caption name the same dish as the recipe title, even if it is worded differently? "
            "Answer yes or no."
        ),
    ),
    # Reference-free (FLEUR-style): does the caption describe what the photo shows?
    JudgePrompt(
        "image",
        1,
        (
            "A caption written for this photo: {caption}\n"
            "Does the caption correctly describe the dish in the photo? Answer yes or no."
        ),
    ),
)


def judge_prompt(mode: JudgeMode, version: int | None = None) -> JudgePrompt:
    """The mode's question in ``version`` (default: the latest); an unknown version is a ValueError."""
    versions = {prompt.version: prompt for prompt in PROMPTS if prompt.mode == mode}
    if version is None:
        return versions[max(versions)]
    if version not in versions:
        raise ValueError(f"the {mode} question has version(s) {', '.join(map(str, sorted(versions)))}, not {version}")
    return versions[version]
