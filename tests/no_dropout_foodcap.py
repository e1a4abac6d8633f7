"""`foodcap` with every dropout layer of vit-gpt2 switched off: a test-only entry point.

Runs compared across process counts must draw no random masks (each rank's dropout noise differs
from one process's), so this script, not a user option, takes dropout out before training.
"""

from __future__ import annotations

import sys

import torch

from foodcap.captioner import CaptionerOptions
from foodcap.cli import main
from foodcap_vitgpt2.captioner import ViTGPT2Captioner

_load_for_training = ViTGPT2Captioner.load_for_training.__func__  # type: ignore[attr-defined]


def _without_dropout(cls: type[ViTGPT2Captioner], options: CaptionerOptions) -> ViTGPT2Captioner:
    captioner = _load_for_training(cls, options)
    for module in captioner.model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    return captioner


ViTGPT2Captioner.load_for_training = classmethod(_without_dropout)  # type: ignore[method-assign,assignment]

if __name__ == "__main__":
    main(sys.argv[1:])
