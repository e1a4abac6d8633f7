"""A small trainable captioner for core tests: it "captions" by classifying an image into known titles."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL.Image import Image
from pydantic import Field
from safetensors.torch import load_file, save_file

from foodcap import Batch, CaptionerOptions, TrainableCaptioner, hookimpl


class FakeOptions(CaptionerOptions):
    titles: list[str] = Field(default_factory=lambda: ["unknown"])
    dropout: float = Field(0.1, ge=0, lt=1)  # tests comparing two trainings step for step turn it off


class Pixels:
    def __call__(self, images: list[Image]) -> Batch:
        arrays = [torch.tensor(np.asarray(im.resize((8, 8))), dtype=torch.float32).flatten() / 255 for im in images]
        return {"pixel_values": torch.stack(arrays)}


class TitleLabels:
    """A title's class is the first known title it starts with ("Pea Soup 3" -> "Pea Soup")."""

    def __init__(self, titles: list[str]) -> None:
        self.titles = titles

    def labels(self, titles: list[str]) -> Batch:
        classes = [next((i for i, known in enumerate(self.titles) if t.startswith(known)), 0) for t in titles]
        return {"labels": torch.tensor(classes)}

    def __call__(self, images: list[Image], titles: list[str]) -> Batch:
        return {**Pixels()(images), **self.labels(titles)}


class TitleClassifier(torch.nn.Module):
    def __init__(self, classes: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = torch.nn.Sequential(torch.nn.Linear(192, 32), torch.nn.Tanh())
        self.dropout = torch.nn.Dropout(dropout)
        self.decoder = torch.nn.Linear(32, classes)

    def forward(
        self,
        labels: torch.Tensor | None = None,
        pixel_values: torch.Tensor | None = None,
        features: torch.Tensor | None = None,
    ) -> Any:
        hidden = self.encoder(pixel_values) if features is None else features
        logits = self.decoder(self.dropout(hidden))
        loss = torch.nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return type("Output", (), {"loss": loss, "logits": logits})()


class FakeCaptioner(TrainableCaptioner):
    name = "fake"
    description = "test double"
    Options = FakeOptions
    generate_calls = 0

    def __init__(self, options: CaptionerOptions, model: TitleClassifier) -> None:
        super().__init__(options)
        self._model = model
        self.titles: list[str] = options.titles  # type: ignore[attr-defined]

    @classmethod
    def load(cls, options: CaptionerOptions) -> FakeCaptioner:
        if options.checkpoint:
            titles = json.loads((options.checkpoint / "titles.json").read_text())
            options = options.model_copy(update={"titles": titles})
            model = TitleClassifier(len(titles))
            model.load_state_dict(load_file(str(options.checkpoint / "model.safetensors")))
        else:
            model = TitleClassifier(len(options.titles), options.dropout)  # type: ignore[attr-defined]
        return cls(options, model)

    @property
    def model(self) -> torch.nn.Module:
        return self._model

    def components(self) -> Mapping[str, torch.nn.Module]:
        return {"encoder": self._model.encoder, "decoder": self._model.decoder}

    def preprocessor(self) -> Callable[[list[Image]], Batch]:
        return Pixels()

    def training_collator(self) -> TitleLabels:
        return TitleLabels(self.titles)

    def text_batch(self, titles: list[str]) -> Batch:
        return TitleLabels(self.titles).labels(titles)

    def encoder_cache_key(self) -> str | None:
        return "pixel_values"

    def encode_for_cache(self, inputs: Batch) -> Batch:
        return {"features": self._model.encoder(inputs["pixel_values"])}

    @torch.no_grad()
    def generate(self, inputs: Batch) -> list[str]:
        type(self).generate_calls += 1
        self._model.eval()
        logits = self._model(**inputs).logits
        return [self.titles[i] for i in logits.argmax(-1).tolist()]

    def save_checkpoint(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        save_file(
            {k: v.contiguous() for k, v in self._model.state_dict().items()}, str(directory / "model.safetensors")
        )
        (directory / "titles.json").write_text(json.dumps(self.titles))


class FakePlugin:
    @staticmethod
    @hookimpl
    def register_captioners(register: Callable[..., None]) -> None:
        register(FakeCaptioner)
