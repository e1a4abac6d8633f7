"""The Captioner interface: batched image captioning, plus what training needs (TrainableCaptioner)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

import torch
from PIL.Image import Image
from pydantic import BaseModel, ConfigDict, Field

Batch = dict[str, torch.Tensor]


class GenerationOptions(BaseModel):
    """Decoding settings; ``None`` means "the captioner's own default"."""

    model_config = ConfigDict(extra="forbid")

    max_new_tokens: int | None = Field(None, ge=1, description="Most tokens to generate per caption.")
    num_beams: int | None = Field(None, ge=1, description="Beam width (1 = greedy).")
    no_repeat_ngram_size: int | None = Field(None, ge=0, description="Forbid repeating n-grams of this size.")
    repetition_penalty: float | None = Field(None, gt=0, description="Penalty (>1) on repeated tokens.")
    length_penalty: float | None = Field(None, description="Beam-search length penalty.")

    def merged_over(self, defaults: Mapping[str, Any]) -> dict[str, Any]:
        """The captioner's defaults with every option the user set laid over them."""
        return {**defaults, **self.model_dump(exclude_none=True)}


class CaptionerOptions(BaseModel):
    """Options every captioner takes. Plugins subclass this to add their own fields."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str | None = Field(None, description="Hub id or local folder; None = the captioner's default.")
    checkpoint: Path | None = Field(None, description="A folder written by `foodcap train`.")
    random_weights: Literal["tiny", "full"] | None = Field(
        None, description="Build the architecture offline with random weights instead of loading."
    )
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    generation: GenerationOptions = Field(default_factory=GenerationOptions)


class ImagePreprocessor(Protocol):
    """Turns a list of RGB images into model inputs. Runs in DataLoader workers, so it must pickle."""

    def __call__(self, images: list[Image]) -> Batch: ...


class TrainingCollator(Protocol):
    """Turns images and their titles into a training batch (inputs plus ``labels``). Must pickle."""

    def __call__(self, images: list[Image], titles: list[str]) -> Batch: ...


class Captioner(ABC):
    """A model that captions batches of images.

    Subclasses set ``name``/``description``, may widen ``Options``, and implement ``load``,
    ``preprocessor`` and ``generate``. ``caption`` ties those together for direct use.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    Options: ClassVar[type[CaptionerOptions]] = CaptionerOptions

    def __init__(self, options: CaptionerOptions) -> None:
        self.options = options

    @classmethod
    @abstractmethod
    def load(cls, options: CaptionerOptions) -> Captioner:
        """Build the captioner: from the hub or a folder, a checkpoint, or random weights."""

    @abstractmethod
    def preprocessor(self) -> ImagePreprocessor:
        """A picklable callable that turns images into the inputs ``generate`` takes."""

    @abstractmethod
    def generate(self, inputs: Batch) -> list[str]:
        """Caption one preprocessed batch (on CPU; the captioner moves it to its device)."""

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    def caption(self, images: list[Image]) -> list[str]:
        """Caption RGB images in one batch."""
        return self.generate(self.preprocessor()(images))

    def describe(self) -> dict[str, Any]:
        """What to record about this captioner in ``run.json``."""
        return {"name": self.name, "options": self.options.model_dump(mode="json")}


class TrainableCaptioner(Captioner):
    """A captioner that ``foodcap train`` can fine-tune.

    ``model`` is one ``torch.nn.Module`` whose ``forward(**batch)`` returns an object with a
    ``.loss`` (the Hugging Face convention), so the trainer and accelerate can wrap it.
    """

    default_freeze_policy: ClassVar[str] = "none"  # what `foodcap train` uses without --freeze

    @classmethod
    def load_for_training(cls, options: CaptionerOptions) -> TrainableCaptioner:
        """What ``foodcap train`` loads: ``load`` unless parts that only exist after training
        (e.g. a new projector) make ``load`` refuse to run without a checkpoint."""
        captioner = cls.load(options)
        assert isinstance(captioner, TrainableCaptioner)
        return captioner

    @property
    @abstractmethod
    def model(self) -> torch.nn.Module:
        """The module to optimise."""

    @abstractmethod
    def components(self) -> Mapping[str, torch.nn.Module]:
        """Named parts (``encoder``, ``decoder``, ``projector``...) that freeze policies act on."""

    @abstractmethod
    def training_collator(self) -> TrainingCollator:
        """A picklable callable that builds a training batch with ``labels``."""

    @abstractmethod
    def save_checkpoint(self, directory: Path) -> None:
        """Write weights as safetensors plus everything ``load`` needs to rebuild the captioner."""

    def loss(self, model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        """Training loss of one batch; ``model`` is ``self.model``, possibly wrapped by accelerate (DDP)."""
        return model(**batch).loss

    def encoder_cache_key(self) -> str | None:
        """Input key whose encoder output can be cached when the encoder is frozen; None if unsupported."""
        return None

    def text_batch(self, titles: list[str]) -> Batch:
        """The title half of ``training_collator`` (labels and decoder inputs), for cached-encoder training."""
        raise NotImplementedError(f"{self.name} does not support encoder caching")

    def encode_for_cache(self, inputs: Batch) -> Batch:
        """Run the frozen encoder on a batch; the result replaces the cached key in later batches.

        The returned tensors have the batch as their first dimension; ``loss`` must accept them.
        """
        raise NotImplementedError(f"{self.name} does not support encoder caching")


def registered_captioner(alias: str, cls: type[Captioner], captioner: Captioner | None) -> dict[str, Any]:
    """A run record's captioner: the registered name the user chose, with the class alongside
    (one class may serve several names, e.g. every Gemma size)."""
    described = captioner.describe() if captioner is not None else {}
    return {**described, "name": alias, "class": f"{cls.__module__}.{cls.__qualname__}", "class_name": cls.name}
