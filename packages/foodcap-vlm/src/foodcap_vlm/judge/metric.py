"""``judge``: a chat VLM asked, per caption, a versioned yes/no question; the score is its P(yes).

mode ``dish`` asks whether the caption names the same dish as the reference title (credit for a
correct dish worded differently, which n-gram overlap cannot give); mode ``image`` asks whether
the caption describes the photo, without looking at the reference. Both show the judge the photo.
The corpus score is the mean of the per-caption scores.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from PIL.Image import Image
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from foodcap import FoodcapError, ImageMetric, ImagePass, MetricOptions, MetricScore

from .answers import Verdicts
from .options import JudgeOptions
from .source import JudgeSource, judge_source

if TYPE_CHECKING:
    from .model import JudgeModel

logger = logging.getLogger("foodcap")

# Below this mean P(yes) + P(no), the judge mostly wanted to say something else: say so.
LOW_ANSWER_MASS = 0.5


class VlmJudge(ImageMetric):
    """A chat VLM as judge: P(yes) of its first answer token, FLEUR-style, instead of parsed text."""

    name: ClassVar[str] = "judge"
    description: ClassVar[str] = (
        "A chat VLM asked whether each caption names the reference's dish (or describes "
        "the photo); scored by its probability of answering yes."
    )
    higher_is_better: ClassVar[bool] = True
    Options: ClassVar[type[MetricOptions]] = JudgeOptions

    def __init__(self, options: MetricOptions | None = None) -> None:
        judge_options = (
            options
            if isinstance(options, JudgeOptions)
            else JudgeOptions.model_validate(options.model_dump() if options is not None else {})
        )
        super().__init__(judge_options)
        self.options: JudgeOptions = judge_options
        self._source: JudgeSource | None = None
        self._model: JudgeModel | None = None
        self.last_verdicts: Verdicts | None = None

    @classmethod
    def missing_resources_for(cls, options: MetricOptions) -> list[str]:
        """The judge's weights: a folder that is whole, the local hub cache, or (online) the hub's access check."""
        from .weights_check import missing_judge_weights

        return missing_judge_weights(JudgeOptions.model_validate(options.model_dump()))

    @property
    def source(self) -> JudgeSource:
        if self._source is None:
            self._source = judge_source(self.options)
        return self._source

    @property
    def model(self) -> JudgeModel:
        """Loaded on first use and kept: once per run, however many passes the run scores."""
        if self._model is None:
            from .model import JudgeModel  # transformers: only when the judge first judges

            self._model = JudgeModel.load(self.source)
        return self._model

    def image_pass(self) -> ImagePass:
        return JudgePass(self)

    def signature(self) -> str:
        """What run.json records: the question's version and text, the judge and how its answer was read."""
        prompt = self.options.prompt
        fields = [f"judge:{prompt.label}", f"model:{self.options.model}"]
        try:
            source = self.source
        except FoodcapError:  # a judge that cannot be found failed its scoring; its options still say which
            source = None
        if self.options.random_weights is not None:
            fields.append(f"random_weights:{self.options.random_weights}")
        elif source is not None and source.preset is not None:
            fields.append(f"weights:{source.options.model}")  # the hub id or folder the preset stands for
        if self._model is not None:
            answers = self._model.answers
            fields += [
                f"family:{self._model.family.model_type}",
                f"dtype:{str(self._model.model.dtype).removeprefix('torch.')}",
                f"yes:{','.join(answers.yes_text)}",
                f"no:{','.join(answers.no_text)}",
            ]
        fields += ["score:P(yes)/(P(yes)+P(no))", f"prompt:{json.dumps(prompt.template)}"]
        return "|".join(fields)


class JudgePass(ImagePass):
    """One pass over a corpus: each batch of images is judged as it arrives, with a progress bar on a terminal."""

    def __init__(self, judge: VlmJudge) -> None:
        self.judge = judge
        self.verdicts = Verdicts([], [])
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def add_batch(
        self, images: Sequence[Image], predictions: Sequence[str], references: Sequence[Sequence[str]]
    ) -> None:
        prompt = self.judge.options.prompt
        questions = [prompt.question(caption, refs) for caption, refs in zip(predictions, references)]
        try:
            judged = self.judge.model.verdicts(questions, images, self.judge.options.batch_size, self.advance)
        except BaseException:
            self.stop()
            raise
        self.verdicts.score.extend(judged.score)
        self.verdicts.mass.extend(judged.mass)

    def advance(self, count: int) -> None:
        if self.progress is None:
            console = Console(stderr=True)
            console.quiet = not console.is_terminal  # a bar for people watching, not for logs and notebooks
            self.progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            )
            self.task = self.progress.add_task(f"judging ({self.judge.options.model})", total=None)
            self.progress.start()
        assert self.task is not None
        self.progress.advance(self.task, count)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()

    def finish(self) -> MetricScore:
        self.stop()
        self.judge.last_verdicts = self.verdicts
        scores, masses = self.verdicts.score, self.verdicts.mass
        mean_mass = sum(masses) / max(1, len(masses))
        if masses and mean_mass < LOW_ANSWER_MASS:
            logger.warning(
                "judge: only %.0f%% of the judge's probability fell on yes or no (the rest on other "
                "answers), so its scores are a weak signal; see docs/judge.md",
                100 * mean_mass,
            )
        return MetricScore(sum(scores) / len(scores), list(scores))
