"""The CNN-RNN network: the image's pooled feature becomes the initial state of a GRU or LSTM
that reads ``<bos>`` and the title and predicts the title and ``<eos>`` (Show and Tell's design, with
the feature as the state rather than a first input)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers.modeling_outputs import CausalLMOutput

from .options import Decoder
from .vocabulary import PAD_ID

IGNORED_LABEL = -100
"""Label value the cross-entropy loss skips: padding after ``<eos>``."""

# A GRU's state is one tensor; an LSTM's is (hidden, cell). Both are (layers, batch, hidden).
RecurrentState = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class DecoderShape:
    kind: Decoder
    feature_size: int
    vocabulary_size: int
    embedding_size: int
    hidden_size: int
    num_layers: int
    dropout: float


class TitleDecoder(nn.Module):
    """Feature -> initial state (a tanh projection per layer; an LSTM's cell state gets its own);
    then token embeddings through the recurrent layers to next-token logits."""

    def __init__(self, shape: DecoderShape) -> None:
        super().__init__()
        self.shape = shape
        states = 2 if shape.kind == "lstm" else 1
        self.initial = nn.Linear(shape.feature_size, states * shape.num_layers * shape.hidden_size)
        self.embedding = nn.Embedding(shape.vocabulary_size, shape.embedding_size, padding_idx=PAD_ID)
        recurrent = nn.LSTM if shape.kind == "lstm" else nn.GRU
        self.recurrent = recurrent(
            shape.embedding_size,
            shape.hidden_size,
            num_layers=shape.num_layers,
            batch_first=True,
            dropout=shape.dropout if shape.num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(shape.dropout)
        self.output = nn.Linear(shape.hidden_size, shape.vocabulary_size)

    def initial_state(self, features: torch.Tensor) -> RecurrentState:
        shape = self.shape
        projected = torch.tanh(self.initial(features.to(self.initial.weight.dtype)))
        # (batch, states * layers * hidden) -> (states, layers, batch, hidden)
        states = projected.view(features.shape[0], -1, shape.num_layers, shape.hidden_size).permute(1, 2, 0, 3)
        if shape.kind == "lstm":
            return states[0].contiguous(), states[1].contiguous()
        return states[0].contiguous()

    def forward(self, input_ids: torch.Tensor, state: RecurrentState) -> tuple[torch.Tensor, RecurrentState]:
        """Logits ``(batch, length, vocabulary)`` for each input position, and the state after the last."""
        embedded = self.dropout(self.embedding(input_ids))
        outputs, state = self.recurrent(embedded, state)
        return self.output(self.dropout(outputs)), state


def reorder_state(state: RecurrentState, rows: torch.Tensor) -> RecurrentState:
    """The state of the batch rows ``rows`` (beam search keeps the best continuations)."""
    if isinstance(state, tuple):
        return state[0].index_select(1, rows), state[1].index_select(1, rows)
    return state.index_select(1, rows)


class CaptionNetwork(nn.Module):
    """Encoder + decoder; ``forward(**batch).loss`` is the training loss.

    A batch carries ``pixel_values`` or, when training on a cached frozen encoder, ``image_features``,
    plus ``input_ids`` (``<bos>`` and the title, padded) and ``labels`` (the title and ``<eos>``, -100
    after). Padding comes after each title and the recurrence runs left to right, so a title's
    logits never depend on the padding: no packing is needed.
    """

    def __init__(self, encoder: nn.Module, decoder: TitleDecoder) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def train(self, mode: bool = True) -> CaptionNetwork:
        """Batch-norm layers always use their stored statistics, and a frozen encoder stays wholly in
        evaluation mode. So a frozen encoder is bit-identical after training, small batches cannot
        spoil a pretrained ResNet's statistics, and every weight training changes is a parameter
        (what the trainer's checkpoints hold)."""
        super().train(mode)
        if not any(parameter.requires_grad for parameter in self.encoder.parameters()):
            self.encoder.eval()
        for module in self.encoder.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()
        return self

    def encode(self, pixel_values: torch.Tensor) -> torch.Tensor:
        dtype = next(self.encoder.parameters()).dtype
        return self.encoder(pixel_values.to(dtype))  # type: ignore[no-any-return]

    def forward(
        self,
        input_ids: torch.Tensor,
        labels: torch.Tensor | None = None,
        pixel_values: torch.Tensor | None = None,
        image_features: torch.Tensor | None = None,
    ) -> CausalLMOutput:
        if image_features is None:
            if pixel_values is None:
                raise ValueError("a batch needs pixel_values or image_features")
            image_features = self.encode(pixel_values)
        logits, _ = self.decoder(input_ids, self.decoder.initial_state(image_features))
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.float().flatten(0, 1), labels.flatten(), ignore_index=IGNORED_LABEL)
        return CausalLMOutput(loss=loss, logits=logits)
