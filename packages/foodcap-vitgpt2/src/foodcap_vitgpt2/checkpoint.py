"""Checkpoint folders: a plain Hugging Face model folder plus a small foodcap record.

Weights, tokenizer and image processor are saved exactly as ``save_pretrained`` writes them, so
``VisionEncoderDecoderModel.from_pretrained(DIR)`` and friends load a fine-tuned checkpoint
without foodcap. ``foodcap.json`` records which captioner wrote it and with what options.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from transformers import PreTrainedTokenizerBase, VisionEncoderDecoderModel
from transformers.image_processing_utils import BaseImageProcessor

from foodcap import FoodcapError

from .version import __version__

RECORD_NAME = "foodcap.json"


def save_checkpoint_folder(
    directory: Path,
    model: VisionEncoderDecoderModel,
    weights: dict[str, torch.Tensor],
    tokenizer: PreTrainedTokenizerBase,
    image_processor: BaseImageProcessor,
    record: dict[str, Any],
) -> None:
    """Write ``weights`` as safetensors with the model's config, then tokenizer, image processor and ``foodcap.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory, state_dict=weights)
    tokenizer.save_pretrained(directory)
    image_processor.save_pretrained(directory)
    full_record = {**record, "foodcap_vitgpt2_version": __version__}
    (directory / RECORD_NAME).write_text(json.dumps(full_record, indent=2) + "\n")


def checked_checkpoint_folder(directory: Path, captioner_name: str) -> Path:
    """The folder, if it holds weights (safetensors, or a ``.bin`` that the weights-only unpickler reads)
    written for this captioner; else a FoodcapError."""
    if not directory.is_dir():
        raise FoodcapError(f"checkpoint folder {str(directory)!r} does not exist")
    if not any(directory.glob("*.safetensors")) and not any(directory.glob("pytorch_model*.bin")):
        raise FoodcapError(
            f"checkpoint folder {str(directory)!r} has no weights (model.safetensors or pytorch_model.bin); "
            "pass a folder written by `foodcap train` or by save_pretrained"
        )
    record_path = directory / RECORD_NAME
    if record_path.is_file():
        try:
            written_by = json.loads(record_path.read_text()).get("captioner")
        except (json.JSONDecodeError, AttributeError) as error:
            raise FoodcapError(f"checkpoint record {str(record_path)!r} is not valid JSON") from error
        if written_by not in (None, captioner_name):
            raise FoodcapError(
                f"checkpoint {str(directory)!r} was written by captioner {written_by!r}, "
                f"not {captioner_name!r}; pass --captioner {written_by}"
            )
    return directory
