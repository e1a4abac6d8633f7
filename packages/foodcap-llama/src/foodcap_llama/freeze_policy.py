"""The ``lora`` freeze policy: only the adapter (and a projector, if the captioner has one) trains."""

from __future__ import annotations

from typing import TYPE_CHECKING

from foodcap import FoodcapError, FreezePolicy

if TYPE_CHECKING:  # plugins load for `foodcap --help`, which must not import torch
    from foodcap import TrainableCaptioner


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
