"""Freeze policies decide which parameters of a TrainableCaptioner train."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from .errors import FoodcapError

if TYPE_CHECKING:  # freeze policies register at plugin load, which must not import torch
    from .captioner import TrainableCaptioner


class FreezePolicy(ABC):
    """Sets ``requires_grad`` on a captioner's parameters before training."""

    name: ClassVar[str]
    description: ClassVar[str] = ""

    @abstractmethod
    def apply(self, captioner: TrainableCaptioner) -> None:
        """Mark what trains and what stays frozen."""


class FreezeComponents(FreezePolicy):
    """Train everything except the named components (empty: train everything)."""

    frozen: ClassVar[tuple[str, ...]] = ()

    def apply(self, captioner: TrainableCaptioner) -> None:
        components = captioner.components()
        missing = [name for name in self.frozen if name not in components]
        if missing:
            raise FoodcapError(
                f"freeze policy {self.name!r} needs component(s) {', '.join(missing)}, "
                f"but {captioner.name} has {', '.join(components) or 'none'}"
            )
        captioner.model.requires_grad_(True)
        for name in self.frozen:
            components[name].requires_grad_(False)


class TrainEverything(FreezeComponents):
    name = "none"
    description = "Nothing frozen: encoder and decoder both train."


class FreezeEncoder(FreezeComponents):
    name = "encoder"
    description = "Encoder (e.g. ViT) frozen; the rest trains."
    frozen = ("encoder",)


class FreezeDecoder(FreezeComponents):
    name = "decoder"
    description = "Decoder (e.g. GPT-2) frozen; the rest trains."
    frozen = ("decoder",)


class TrainAdapters(FreezePolicy):
    """Works on any captioner whose components include ``adapter`` (its LoRA parameters)."""

    name = "lora"
    description = "Only the LoRA adapter and the projector train; encoder and decoder base weights stay frozen."

    def apply(self, captioner: TrainableCaptioner) -> None:
        components = captioner.components()
        if "adapter" not in components:
            raise FoodcapError(
                f"freeze policy 'lora' needs a captioner with a LoRA adapter; {captioner.name} has "
                f"{', '.join(components) or 'no components'}"
            )
        captioner.model.requires_grad_(False)
        for name in ("adapter", "projector"):
            if name in components:
                components[name].requires_grad_(True)


def parameter_counts(captioner: TrainableCaptioner) -> dict[str, dict[str, int]]:
    """Trainable and frozen parameter counts per component, plus ``other`` and ``total``."""
    owner: dict[int, str] = {}
    for name, module in captioner.components().items():
        for parameter in module.parameters():
            owner.setdefault(id(parameter), name)
    counts: dict[str, dict[str, int]] = {}
    for parameter in captioner.model.parameters():  # de-duplicates tied weights
        row = counts.setdefault(owner.get(id(parameter), "other"), {"trainable": 0, "frozen": 0})
        row["trainable" if parameter.requires_grad else "frozen"] += parameter.numel()
    counts["total"] = {key: sum(row[key] for row in counts.values()) for key in ("trainable", "frozen")}
    return counts
