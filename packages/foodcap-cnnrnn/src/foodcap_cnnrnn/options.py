"""What a cnn-rnn captioner can be told, described once for the CLI, config files and checkpoints.

Plain pydantic (no torch), so ``--help`` and plugin listing stay fast.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from foodcap import CaptionerOptions

Encoder = Literal["resnet18", "resnet50", "vgg19"]
Decoder = Literal["gru", "lstm"]
Tokens = Literal["word", "char"]

DEFAULT_ENCODER_IDS: dict[str, str] = {
    "resnet18": "microsoft/resnet-18",
    "resnet50": "microsoft/resnet-50",
    "vgg19": "timm/vgg19.tv_in1k",
}
"""Pretrained weights per encoder (hub id; ``--model`` takes another id or a local folder)."""

# The study's three CNN-RNN rows, by the names its results table gives them.
PRESETS: dict[str, tuple[dict[str, str], str]] = {
    "cnn-rnn-baseline": ({"encoder": "resnet18", "decoder": "gru"}, "The study's CNN-RNN baseline: ResNet-18 + GRU."),
    "cnn-rnn-vgg19": ({"encoder": "vgg19", "decoder": "gru"}, "The study's VGG19 variant: VGG19 + GRU."),
    "cnn-rnn-lstm": ({"encoder": "resnet18", "decoder": "lstm"}, "The study's LSTM variant: ResNet-18 + LSTM."),
}

TITLE_TOKEN_CAPS: dict[str, int] = {"word": 24, "char": 120}
"""Default longest title per token kind: recipe titles run to about 15 words or 90 characters."""


class CnnRnnOptions(CaptionerOptions):
    """cnn-rnn options. ``model`` is the encoder's pretrained weights (hub id or folder)."""

    encoder: Encoder = Field("resnet18", description="Image encoder: resnet18, resnet50 or vgg19.")
    decoder: Decoder = Field("gru", description="Recurrent decoder: gru or lstm.")
    tokens: Tokens = Field("word", description="What the decoder emits: words (split on spaces) or characters.")
    hidden_size: int = Field(512, ge=1, description="Width of the recurrent layers.")
    num_layers: int = Field(1, ge=1, le=8, description="Number of stacked recurrent layers.")
    embedding_size: int = Field(256, ge=1, description="Width of the token embeddings.")
    dropout: float = Field(0.1, ge=0.0, lt=1.0, description="Dropout on embeddings and decoder outputs while training.")
    max_vocabulary: int = Field(
        10_000, ge=1, description="Most frequent train-split tokens kept (others read as <unk>)."
    )
    min_count: int = Field(1, ge=1, description="A token enters the vocabulary once it occurs this often in train.")
    max_title_tokens: int | None = Field(
        None,
        ge=1,
        description="Longest title in tokens: training cuts titles there and decoding stops there "
        "(None: 24 words or 120 characters).",
    )

    def title_token_cap(self) -> int:
        return self.max_title_tokens or TITLE_TOKEN_CAPS[self.tokens]

    def encoder_id(self) -> str:
        """The pretrained encoder to load: ``--model``, else the encoder's hub id."""
        return self.model or DEFAULT_ENCODER_IDS[self.encoder]
