"""The checkpoint folder: the decoder (and a trained encoder) as safetensors, plus one JSON config.

The config holds the architecture and the vocabulary. A pretrained encoder that did not train is
not copied: the config names it (hub id or folder), or records that it was random, in which case
the fixed seed rebuilds it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict
from torch import nn

from foodcap.backend import RandomWeights, read_checkpoint_config

from .options import Decoder, Encoder, Tokens
from .weights import save_weights

CONFIG_FILE = "foodcap-cnnrnn.json"
DECODER_FILE = "decoder.safetensors"
ENCODER_FILE = "encoder.safetensors"


class CheckpointConfig(BaseModel):
    """Everything needed to rebuild the captioner around the saved weights."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    format: Literal[1] = 1
    encoder: Encoder
    encoder_weights: str | None  # the pretrained encoder's hub id or folder; None for random weights
    random_weights: RandomWeights | None
    encoder_trained: bool  # its weights are in encoder.safetensors
    feature_size: int
    decoder: Decoder
    tokens: Tokens
    embedding_size: int
    hidden_size: int
    num_layers: int
    dropout: float
    max_title_tokens: int
    vocabulary: list[str]


def write_checkpoint(directory: Path, config: CheckpointConfig, encoder: nn.Module, decoder: nn.Module) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    save_weights(decoder, directory / DECODER_FILE)
    if config.encoder_trained:
        save_weights(encoder, directory / ENCODER_FILE)
    (directory / CONFIG_FILE).write_text(config.model_dump_json(indent=2) + "\n", encoding="utf-8")


def read_checkpoint(directory: Path) -> CheckpointConfig:
    return read_checkpoint_config(directory, CONFIG_FILE, CheckpointConfig, "cnn-rnn")
