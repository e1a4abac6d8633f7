"""The ``vit-gpt2`` captioner: a VisionEncoderDecoder model (ViT encoder, GPT-2 decoder), zero-shot or fine-tuned."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import torch
from pydantic import Field
from transformers import (
    AutoImageProcessor,
    AutoTokenizer,
    GenerationConfig,
    PreTrainedTokenizerBase,
    VisionEncoderDecoderModel,
)
from transformers.image_processing_utils import BaseImageProcessor
from transformers.modeling_outputs import BaseModelOutput

from foodcap import Batch, CaptionerOptions, TrainableCaptioner
from foodcap.backend import (
    WeightsFile,
    choose_dtype,
    clean_generation_config,
    decode_with,
    generation_record,
    hub_errors,
    load_pretrained_weights,
    resolve_device,
)

from .architecture import fill_special_token_ids, random_image_processor, random_model, random_tokenizer
from .batches import TitleCollator, TitleLabels, ViTPixels
from .checkpoint import checked_checkpoint_folder, save_checkpoint_folder
from .plugin import DEFAULT_MODEL

CACHED_ENCODER_KEY = "encoder_hidden_states"

GENERATION_DEFAULTS: Mapping[str, Any] = {
    # The model card generates with num_beams=4 (and max_length=16, 15 new tokens). Training cuts
    # titles at 32 tokens with EOS (--max-title-tokens), so 32 new tokens cover every title a
    # fine-tuned model learned; 15 cut the longer ones short. A model that ends its titles stops
    # at EOS long before the cap.
    "num_beams": 4,
    "max_new_tokens": 32,
    # Stops loops like "Onions Onions Onions" (see the README): recipe titles rarely hold the
    # same three tokens twice, while a repetition penalty would also punish the "with"/"and"
    # that titles legitimately reuse.
    "no_repeat_ngram_size": 3,
}


class _NoPaddingToMask(logging.Filter):
    """Drops generate()'s warning that a batch has no attention mask while pad == EOS.

    The warning is about padded text prompts. Here the encoder input is an image (every sample
    has all its patches) and every caption starts from the same single start token, so there is
    no padding anywhere for a mask to hide.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("The attention mask is not set with a batched input")


logging.getLogger("transformers.generation.utils").addFilter(_NoPaddingToMask())


class ViTGPT2Options(CaptionerOptions):
    """vit-gpt2 options: the shared ones plus how long a training title may be."""

    max_title_tokens: int = Field(32, ge=2, description="Training titles are cut to this many tokens, EOS included.")


class ViTGPT2Captioner(TrainableCaptioner):
    name = "vit-gpt2"
    description = "ViT encoder + GPT-2 decoder (VisionEncoderDecoder), zero-shot or fine-tuned."
    Options: ClassVar[type[CaptionerOptions]] = ViTGPT2Options

    def __init__(
        self,
        options: ViTGPT2Options,
        model: VisionEncoderDecoderModel,
        tokenizer: PreTrainedTokenizerBase,
        image_processor: BaseImageProcessor,
        weights: WeightsFile | None = None,
    ) -> None:
        super().__init__(options)
        self.options: ViTGPT2Options = options
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        self.weights = weights
        fill_special_token_ids(model, tokenizer)
        self._model = model
        decode_with(model, self.generation)
        self._device = resolve_device(options.device)
        self.precision = choose_dtype(options.dtype, self._device)
        self._unused_pooler = _take_out_pooler(model)
        if self._unused_pooler is not None:
            self._unused_pooler.to(device=self._device, dtype=self.precision.dtype)
        # In place, like every nn.Module.to; transformers wraps `to` in a decorator mypy misreads.
        model.to(device=self._device, dtype=self.precision.dtype)  # type: ignore[call-arg]
        model.eval()
        self._model = model

    @classmethod
    def load(cls, options: CaptionerOptions) -> ViTGPT2Captioner:
        """Checkpoint first, then random weights, then ``--model`` (a hub id or folder)."""
        if not isinstance(options, ViTGPT2Options):
            options = ViTGPT2Options.model_validate(options.model_dump())
        if options.checkpoint is not None:
            folder = checked_checkpoint_folder(options.checkpoint, cls.name)
            return cls(options, *_load_pretrained(str(folder)))
        if options.random_weights is not None:
            tokenizer = random_tokenizer(options.random_weights)
            model = random_model(options.random_weights, tokenizer)
            return cls(options, model, tokenizer, random_image_processor(options.random_weights))
        return cls(options, *_load_pretrained(options.model or DEFAULT_MODEL))

    @property
    def model(self) -> VisionEncoderDecoderModel:
        return self._model

    @property
    def device(self) -> torch.device:
        return self._device

    def preprocessor(self) -> ViTPixels:
        return ViTPixels(self.image_processor)

    def generation_settings(self) -> dict[str, Any]:
        """The model card's defaults with the user's generation options laid over them."""
        return self.options.generation.merged_over(GENERATION_DEFAULTS)

    @property
    def generation(self) -> GenerationConfig:
        """The model card's decoding (or the user's -o generation), never the rest of a hub generation_config."""
        config = self._model.config
        return clean_generation_config(
            self.generation_settings(),
            eos_token_id=config.eos_token_id,
            pad_token_id=config.pad_token_id,
            decoder_start_token_id=config.decoder_start_token_id,
        )

    def generate(self, inputs: Batch) -> list[str]:
        pixel_values = inputs["pixel_values"].to(device=self._device, dtype=self._model.dtype)
        was_training = self._model.training
        self._model.eval()
        try:
            with torch.inference_mode():
                token_ids = self._model.generate(pixel_values=pixel_values, generation_config=self.generation)
        finally:
            self._model.train(was_training)
        captions = self.tokenizer.batch_decode(token_ids, skip_special_tokens=True)
        return [caption.strip() for caption in captions]

    def describe(self) -> dict[str, Any]:
        described = {
            **super().describe(),
            "precision": self.precision.record(),
            "generation": generation_record(self.generation),
        }
        if self.weights is not None:
            described["weights"] = self.weights.record()
        return described

    def components(self) -> Mapping[str, torch.nn.Module]:
        """The ViT and GPT-2; GPT-2's cross-attention layers belong to the decoder."""
        return {"encoder": self._model.encoder, "decoder": self._model.decoder}

    def training_collator(self) -> TitleCollator:
        """Pixel values, ``labels`` (each title + EOS, padding -100) and ``decoder_attention_mask``."""
        return TitleCollator(self.image_processor, self.tokenizer, self.options.max_title_tokens)

    def save_checkpoint(self, directory: Path) -> None:
        record = {"captioner": self.name, "options": self.options.model_dump(mode="json")}
        weights = self._model.state_dict()
        if self._unused_pooler is not None:  # put back, so plain from_pretrained finds every weight
            pooler = self._unused_pooler.state_dict()
            weights.update({f"encoder.pooler.{name}": value for name, value in pooler.items()})
        save_checkpoint_folder(Path(directory), self._model, weights, self.tokenizer, self.image_processor, record)

    def loss(self, model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        """Cross-entropy over title tokens; a cached-encoder batch skips the ViT."""
        if CACHED_ENCODER_KEY not in batch:
            return model(**batch).loss
        rest = {key: value for key, value in batch.items() if key != CACHED_ENCODER_KEY}
        # A bare tensor as encoder_outputs would be indexed ([0] = first sample), so wrap it.
        encoder_outputs = BaseModelOutput(last_hidden_state=batch[CACHED_ENCODER_KEY])
        return model(encoder_outputs=encoder_outputs, **rest).loss

    def encoder_cache_key(self) -> str:
        return "pixel_values"

    def text_batch(self, titles: list[str]) -> Batch:
        """Labels for cached-encoder training: the same as ``training_collator`` makes."""
        return TitleLabels(self.tokenizer, self.options.max_title_tokens)(titles)

    def encode_for_cache(self, inputs: Batch) -> Batch:
        """The frozen ViT's last hidden states for a batch of pixel values.

        ``no_grad`` rather than ``inference_mode``: the cached tensors later feed the
        cross-attention of a training step, which inference tensors may not do.
        """
        encoder = self._model.encoder
        pixel_values = inputs["pixel_values"].to(device=self._device, dtype=encoder.dtype)
        with torch.no_grad():
            hidden_states = encoder(pixel_values=pixel_values).last_hidden_state
        return {CACHED_ENCODER_KEY: hidden_states}


def _take_out_pooler(model: VisionEncoderDecoderModel) -> torch.nn.Module | None:
    """Remove the encoder's pooler, which VisionEncoderDecoder never uses (it reads the hidden states).

    Left in, its weights would count as trainable yet never get a gradient, and DDP fails on
    trainable parameters that get none. Checkpoints still save it, for plain ``from_pretrained``.
    """
    pooler = getattr(model.encoder, "pooler", None)
    if pooler is not None and any(True for _ in pooler.parameters()):
        model.encoder.pooler = None
        return pooler
    return None


def _load_pretrained(
    source: str,
) -> tuple[VisionEncoderDecoderModel, PreTrainedTokenizerBase, BaseImageProcessor, WeightsFile | None]:
    """Model, tokenizer and image processor from a hub id or folder. nlpconnect's repository has only
    pytorch_model.bin, which is read with torch's weights-only unpickler (see foodcap.backend.load_pretrained_weights)."""
    model, weights = load_pretrained_weights(VisionEncoderDecoderModel.from_pretrained, source)
    with hub_errors(source, "tokenizer"):
        tokenizer = AutoTokenizer.from_pretrained(source)
    with hub_errors(source, "image processor"):
        image_processor = AutoImageProcessor.from_pretrained(source)
    return model, tokenizer, image_processor, weights
