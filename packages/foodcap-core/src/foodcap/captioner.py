"""The Captioner interface: batched image captioning, plus what training needs (TrainableCaptioner)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import torch
from PIL.Image import Image

from .captioner_options import CaptionerOptions, GenerationOptions
from .dataset.image_files import UnreadableImage, open_rgb
from .errors import FoodcapError

__all__ = [
    "Batch",
    "Captioner",
    "CaptionerOptions",
    "GenerationOptions",
    "ImagePreprocessor",
    "TrainableCaptioner",
    "TrainingCollator",
]

if TYPE_CHECKING:
    from .dataset import Sample

Batch = dict[str, torch.Tensor]


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
    supports_device_map: ClassVar[bool] = False  # honours options.device_map (see foodcap.backend.placement_kwargs)

    def __init__(self, options: CaptionerOptions) -> None:
        self.options = options

    @classmethod
    @abstractmethod
    def load(cls, options: CaptionerOptions) -> Captioner:
        """Build the captioner: from the hub or a folder, a checkpoint, or random weights."""

    @classmethod
    def float16_risk(cls, options: CaptionerOptions) -> str | None:
        """Why this model must not compute in float16 (it overflows: NaN or empty captions), with the
        source; None when float16 is safe. ``auto`` then picks float32 where bfloat16 is not native."""
        return None

    @abstractmethod
    def preprocessor(self) -> ImagePreprocessor:
        """A picklable callable that turns images into the inputs ``generate`` takes."""

    @abstractmethod
    def generate(self, inputs: Batch) -> list[str]:
        """Caption one preprocessed batch (on CPU; the captioner moves it to its device)."""

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    def caption(self, images: Sequence[Image | str | Path], batch_size: int = 16) -> list[str]:
        """Caption images (PIL images or image files) in batches of ``batch_size``, in order.

        Files are decoded to RGB as the runner decodes them; one that cannot be read is a FoodcapError.
        """
        if batch_size < 1:
            raise FoodcapError(f"batch_size must be at least 1, got {batch_size}")
        preprocess = self.preprocessor()
        captions: list[str] = []
        for start in range(0, len(images), batch_size):
            batch = [_as_rgb(image) for image in images[start : start + batch_size]]
            captions.extend(self.generate(preprocess(batch)))
        return captions

    def use_examples(self, pool: Sequence[Sample]) -> None:
        """Few-shot captioners take their examples from ``pool`` (the train split, never the
        evaluated one; empty when the evaluated split includes train). Others ignore it."""
        return None

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

    def learn_vocabulary(self, titles: Sequence[str]) -> None:
        """A captioner whose vocabulary comes from the data (no pretrained tokenizer) builds it here from
        the train split's titles. ``foodcap train`` calls it once, right after ``load_for_training`` and
        before freezing, resuming or building the optimizer. Others ignore it."""
        return None

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


def _as_rgb(image: Image | str | Path) -> Image:
    if isinstance(image, (str, Path)):
        try:
            return open_rgb(Path(image))[0]
        except UnreadableImage as error:
            raise FoodcapError(f"cannot caption {error}") from error
    return image if image.mode == "RGB" else image.convert("RGB")
