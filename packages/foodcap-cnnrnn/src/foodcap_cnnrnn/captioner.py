"""The ``cnn-rnn`` captioner (and its presets): a CNN's pooled feature starts a GRU or LSTM title decoder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from foodcap import Batch, CaptionerOptions, FoodcapError, TrainableCaptioner
from foodcap.backend import resolve_device, resolve_dtype, sample_titles

from .batches import PixelBatch, TitleCollator, TitleIds
from .checkpoint import DECODER_FILE, ENCODER_FILE, CheckpointConfig, read_checkpoint, write_checkpoint
from .decoding import DecodingSettings, decode
from .encoders import ImageEncoder, load_encoder
from .network import CaptionNetwork, DecoderShape, TitleDecoder
from .options import CnnRnnOptions
from .vocabulary import TitleVocabulary
from .weights import load_weights

CACHED_FEATURES = "image_features"
DECODER_SEED = 0
GENERATION_DEFAULTS: Mapping[str, Any] = {
    "num_beams": 1,
    "length_penalty": 1.0,
    "no_repeat_ngram_size": 0,
    "repetition_penalty": 1.0,
}
NEEDS_CHECKPOINT = (
    "cnn-rnn needs --checkpoint DIR (a folder written by `foodcap train`): its decoder and vocabulary are "
    "learnt from the train split, so without one it only produces noise. Use --random-weights tiny to try "
    "the pipeline offline"
)


class CnnRnnCaptioner(TrainableCaptioner):
    """Registered as ``cnn-rnn`` and the presets ``cnn-rnn-baseline``, ``cnn-rnn-vgg19``, ``cnn-rnn-lstm``."""

    name = "cnn-rnn"
    description = "CNN encoder (ResNet-18/50 or VGG19) whose pooled feature starts a GRU or LSTM title decoder."
    Options: ClassVar[type[CaptionerOptions]] = CnnRnnOptions

    def __init__(
        self,
        options: CnnRnnOptions,
        encoder: ImageEncoder,
        decoder: TitleDecoder,
        vocabulary: TitleVocabulary,
        encoder_changed: bool,
    ) -> None:
        super().__init__(options)
        self.options: CnnRnnOptions = options
        self.vocabulary = vocabulary
        self.image_processor = encoder.image_processor
        self.encoder_weights = encoder.weights
        self._encoder_changed = encoder_changed  # its weights came from a checkpoint, not their source
        self._device = resolve_device(options.device)
        self._dtype = resolve_dtype(options.dtype, self._device)
        network = CaptionNetwork(encoder.network, decoder)
        self.network = network.to(device=self._device, dtype=self._dtype).eval()

    # -- building -------------------------------------------------------------------------------
    @classmethod
    def load(cls, options: CaptionerOptions) -> CnnRnnCaptioner:
        """From ``options.checkpoint``, or random weights; refuses an untrained decoder on a real encoder."""
        checked = _checked(options)
        if checked.checkpoint is None and checked.random_weights is None:
            raise FoodcapError(NEEDS_CHECKPOINT)
        return cls._build(checked)

    @classmethod
    def load_for_training(cls, options: CaptionerOptions) -> CnnRnnCaptioner:
        """Like ``load``, but without a checkpoint starts a new decoder on the pretrained encoder."""
        return cls._build(_checked(options))

    @classmethod
    def _build(cls, options: CnnRnnOptions) -> CnnRnnCaptioner:
        saved = read_checkpoint(options.checkpoint) if options.checkpoint is not None else None
        if saved is not None:
            options = _with_checkpoint_settings(options, saved)
            vocabulary = TitleVocabulary(saved.tokens, saved.vocabulary)
        else:
            # A stand-in until `foodcap train` calls learn_vocabulary with the train split's titles.
            vocabulary = TitleVocabulary.from_titles(sample_titles(), options.tokens, options.max_vocabulary)
        encoder = load_encoder(options)
        with torch.random.fork_rng(devices=[]):  # a seeded decoder; the caller's random stream is untouched
            torch.manual_seed(DECODER_SEED)
            decoder = _new_decoder(options, encoder.feature_size, vocabulary)
        if saved is not None:
            folder = Path(options.checkpoint or ".")
            if saved.encoder_trained:
                load_weights(encoder.network, folder / ENCODER_FILE)
            load_weights(decoder, folder / DECODER_FILE)
        encoder_changed = saved is not None and saved.encoder_trained
        return cls(options, encoder, decoder, vocabulary, encoder_changed)

    def learn_vocabulary(self, titles: Sequence[str]) -> None:
        """The train split's vocabulary and a new decoder for it, initialised from the global (seeded)
        random stream. A checkpoint's decoder keeps the vocabulary it was trained with."""
        if self.options.checkpoint is not None:
            return
        options = self.options
        self.vocabulary = TitleVocabulary.from_titles(titles, options.tokens, options.max_vocabulary, options.min_count)
        decoder = _new_decoder(options, self.feature_size, self.vocabulary)
        self.network.decoder = decoder.to(device=self._device, dtype=self._dtype)

    @property
    def feature_size(self) -> int:
        """Width of the encoder's pooled feature (what the decoder's initial state is projected from)."""
        return self.network.decoder.shape.feature_size

    # -- Captioner --------------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return self._device

    def preprocessor(self) -> PixelBatch:
        return PixelBatch(self.image_processor)

    def decoding_settings(self) -> DecodingSettings:
        """Greedy by default, up to the title cap plus ``<eos>``; the user's generation options win."""
        defaults = {**GENERATION_DEFAULTS, "max_new_tokens": self.options.title_token_cap() + 1}
        return DecodingSettings(**self.options.generation.merged_over(defaults))

    def generate(self, inputs: Batch) -> list[str]:
        pixel_values = inputs["pixel_values"].to(self._device)
        was_training = self.network.training
        self.network.eval()
        try:
            with torch.inference_mode():
                features = self.network.encode(pixel_values)
                token_ids = decode(self.network.decoder, features, self.decoding_settings())
        finally:
            self.network.train(was_training)
        return [self.vocabulary.decode(ids) for ids in token_ids]

    def describe(self) -> dict[str, Any]:
        described = {**super().describe(), "vocabulary_size": len(self.vocabulary), "feature_size": self.feature_size}
        if self.encoder_weights is not None:  # which file the pretrained encoder was read from
            described["weights"] = self.encoder_weights
        return described

    # -- TrainableCaptioner -----------------------------------------------------------------------
    @property
    def model(self) -> CaptionNetwork:
        return self.network

    def components(self) -> Mapping[str, nn.Module]:
        """The CNN, and the recurrent decoder with its feature projection, embeddings and output layer."""
        return {"encoder": self.network.encoder, "decoder": self.network.decoder}

    def training_collator(self) -> TitleCollator:
        return TitleCollator(self.preprocessor(), self.title_ids())

    def title_ids(self) -> TitleIds:
        return TitleIds(self.vocabulary, self.options.title_token_cap())

    def text_batch(self, titles: list[str]) -> Batch:
        return self.title_ids()(titles)

    def encoder_cache_key(self) -> str:
        return "pixel_values"

    def encode_for_cache(self, inputs: Batch) -> Batch:
        """The frozen CNN's pooled features; ``no_grad`` (not inference mode) so training steps may use them."""
        with torch.no_grad():
            return {CACHED_FEATURES: self.network.encode(inputs["pixel_values"].to(self._device))}

    def save_checkpoint(self, directory: Path) -> None:
        options, network = self.options, self.network
        encoder_trained = self._encoder_changed or any(p.requires_grad for p in network.encoder.parameters())
        config = CheckpointConfig(
            encoder=options.encoder,
            encoder_weights=None if options.random_weights else options.encoder_id(),
            random_weights=options.random_weights,
            encoder_trained=encoder_trained,
            feature_size=self.feature_size,
            decoder=options.decoder,
            tokens=options.tokens,
            embedding_size=options.embedding_size,
            hidden_size=options.hidden_size,
            num_layers=options.num_layers,
            dropout=options.dropout,
            max_title_tokens=options.title_token_cap(),
            vocabulary=self.vocabulary.items,
        )
        write_checkpoint(Path(directory), config, network.encoder, network.decoder)


def _checked(options: CaptionerOptions) -> CnnRnnOptions:
    if isinstance(options, CnnRnnOptions):
        return options
    return CnnRnnOptions.model_validate(options.model_dump())


def _new_decoder(options: CnnRnnOptions, feature_size: int, vocabulary: TitleVocabulary) -> TitleDecoder:
    return TitleDecoder(
        DecoderShape(
            kind=options.decoder,
            feature_size=feature_size,
            vocabulary_size=len(vocabulary),
            embedding_size=options.embedding_size,
            hidden_size=options.hidden_size,
            num_layers=options.num_layers,
            dropout=options.dropout,
        )
    )


def _with_checkpoint_settings(options: CnnRnnOptions, saved: CheckpointConfig) -> CnnRnnOptions:
    """The checkpoint decides the architecture (a preset's encoder or decoder never overrides it);
    ``--model`` may only say where the same pretrained encoder now lives."""
    return options.model_copy(
        update={
            "model": options.model or saved.encoder_weights,
            "random_weights": saved.random_weights,
            "encoder": saved.encoder,
            "decoder": saved.decoder,
            "tokens": saved.tokens,
            "embedding_size": saved.embedding_size,
            "hidden_size": saved.hidden_size,
            "num_layers": saved.num_layers,
            "dropout": saved.dropout,
            "max_title_tokens": saved.max_title_tokens,
        }
    )
