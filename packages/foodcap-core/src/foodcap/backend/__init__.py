"""What backend plugins build on: the public helpers for captioner packages, with a stable surface.

A captioner plugin imports these from ``foodcap.backend`` only; the modules behind them may move.

- placement: ``resolve_device``, ``resolve_dtype``, ``placement_kwargs``, ``dispatch``, ``describe_placement``,
  ``mixed_precision``, ``native_bf16``
- precision: ``choose_dtype`` (the dtype and its reason, as a ``Precision``, from the hardware and the family's
  float16 risk)
- weights: ``load_pretrained_weights`` (safetensors first, else torch's weights-only unpickler; returns the
  ``WeightsFile`` read), ``find_weights``
- decoding: ``clean_generation_config`` (foodcap's decoding, nothing from the hub's generation_config),
  ``decode_with``, ``generation_record``
- hub loading: ``hub_errors`` (one-line errors for gated, missing or offline models), ``looks_like_path``
- checkpoints: ``read_checkpoint_config``, ``checkpoint_problems``, ``safetensors_problem``
- tokenizers: ``train_offline_tokenizer`` (a real BPE tokenizer for random-weight models, no hub)
- training: ``TrainAdapters`` (the ``lora`` freeze policy), ``LoraSettings`` (one LoRA adapter's settings)
- images: ``open_rgb`` (decode as captioning does), ``UnreadableImage``
- random weights: ``RandomWeights`` (the sizes of ``--random-weights``), ``sample_titles`` (the bundled
  sample's titles, to train a tokenizer offline)

Importing this package imports nothing else until a name is used (placement needs torch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy_names import lazy_names

_LAZY = {
    **dict.fromkeys(
        (
            "resolve_device",
            "resolve_dtype",
            "placement_kwargs",
            "dispatch",
            "describe_placement",
            "mixed_precision",
            "native_bf16",
        ),
        ".placement",
    ),
    **dict.fromkeys(("hub_errors", "looks_like_path"), ".hub"),
    **dict.fromkeys(("read_checkpoint_config", "checkpoint_problems", "safetensors_problem"), ".checkpoint_files"),
    "train_offline_tokenizer": ".offline_tokenizer",
    **dict.fromkeys(("Precision", "choose_dtype"), ".precision"),
    **dict.fromkeys(("WeightsFile", "find_weights", "load_pretrained_weights"), ".pretrained_weights"),
    **dict.fromkeys(("clean_generation_config", "decode_with", "generation_record"), ".decoding"),
    "LoraSettings": ".lora",
    "TrainAdapters": "..freeze",
    "RandomWeights": "..captioner_options",
    **dict.fromkeys(("open_rgb", "UnreadableImage"), "..dataset.image_files"),
    "sample_titles": "..dataset.bundled_sample",
}

__all__ = [
    "checkpoint_problems",
    "choose_dtype",
    "clean_generation_config",
    "decode_with",
    "describe_placement",
    "dispatch",
    "find_weights",
    "generation_record",
    "hub_errors",
    "load_pretrained_weights",
    "looks_like_path",
    "LoraSettings",
    "mixed_precision",
    "native_bf16",
    "open_rgb",
    "placement_kwargs",
    "Precision",
    "RandomWeights",
    "read_checkpoint_config",
    "resolve_device",
    "resolve_dtype",
    "safetensors_problem",
    "sample_titles",
    "train_offline_tokenizer",
    "TrainAdapters",
    "UnreadableImage",
    "WeightsFile",
]

__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)

if TYPE_CHECKING:
    from ..captioner_options import RandomWeights
    from ..dataset.bundled_sample import sample_titles
    from ..dataset.image_files import UnreadableImage, open_rgb
    from ..freeze import TrainAdapters
    from .checkpoint_files import checkpoint_problems, read_checkpoint_config, safetensors_problem
    from .decoding import clean_generation_config, decode_with, generation_record
    from .hub import hub_errors, looks_like_path
    from .lora import LoraSettings
    from .offline_tokenizer import train_offline_tokenizer
    from .placement import (
        describe_placement,
        dispatch,
        mixed_precision,
        native_bf16,
        placement_kwargs,
        resolve_device,
        resolve_dtype,
    )
    from .precision import Precision, choose_dtype
    from .pretrained_weights import WeightsFile, find_weights, load_pretrained_weights
