"""llama-lora-1b / llama-lora-3b: ViT visual prefix + Llama 3.2 with LoRA, as a TrainableCaptioner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from peft.tuners.lora import LoraModel
from torch import nn
from transformers import GenerationConfig, PreTrainedModel

from foodcap import Batch, CaptionerOptions, FoodcapError, TrainableCaptioner
from foodcap.backend import (
    Precision,
    WeightsFile,
    choose_dtype,
    clean_generation_config,
    describe_placement,
    dispatch,
    generation_record,
    placement_kwargs,
    resolve_device,
)

from .base_models import BaseModels, load_base_models
from .batches import PixelBatch, TitleCollator, TitleText
from .checkpoint import (
    PROJECTOR_FILE,
    VISION_FILE,
    CheckpointConfig,
    attach_adapter,
    load_weights,
    read_checkpoint_config,
    write_checkpoint,
)
from .options import DEFAULT_LANGUAGE_MODELS, DEFAULT_VISION_MODEL, LlamaLoraOptions
from .random_weights import random_base_models
from .visual_prefix import PatchPooling, VisualPrefixLM, VisualProjector

GENERATION_DEFAULTS: dict[str, Any] = {"max_new_tokens": 32, "num_beams": 1}

BASE_WEIGHTS_TRAIN = (
    "the language model's base weights are set to train (freeze policies 'none' and 'encoder' do "
    "that), but llama-lora captioners train LoRA adapters and save only those: use --freeze lora "
    "(projector + LoRA) or --freeze decoder (projector + ViT)"
)


class LlamaLoraCaptioner(TrainableCaptioner):
    """Registered as llama-lora-1b and llama-lora-3b, which differ only in their default ``model``."""

    name = "llama-lora"
    description = "ViT features as a visual prefix for Llama 3.2 + LoRA (ClipCap/LLaVA style); needs --checkpoint."
    Options = LlamaLoraOptions
    default_freeze_policy = "lora"
    supports_device_map = True  # the language model spreads; ViT and projector sit on its first device

    def __init__(
        self,
        options: LlamaLoraOptions,
        network: VisualPrefixLM,
        text: TitleText,
        pixels: PixelBatch,
        record: CheckpointConfig,
        device: torch.device,
        precision: Precision | None = None,
        weights: Sequence[WeightsFile] = (),
    ) -> None:
        super().__init__(options)
        self.options: LlamaLoraOptions = options
        self.network = network
        self.text = text
        self.pixels = pixels
        self.record = record
        self._device = device
        self.precision = precision
        self.weights = list(weights)

    # -- building -------------------------------------------------------------------------------
    @classmethod
    def load(cls, options: CaptionerOptions) -> LlamaLoraCaptioner:
        """From ``options.checkpoint``, or random weights; refuses an untrained projector."""
        return cls._build(cls._checked(options), fresh_adapter_ok=False)

    @classmethod
    def load_for_training(cls, options: CaptionerOptions) -> LlamaLoraCaptioner:
        """Like ``load``, but without a checkpoint starts a new projector and adapter to train."""
        return cls._build(cls._checked(options), fresh_adapter_ok=True)

    @staticmethod
    def _checked(options: CaptionerOptions) -> LlamaLoraOptions:
        if isinstance(options, LlamaLoraOptions):
            return options
        return LlamaLoraOptions.model_validate(options.model_dump())

    @classmethod
    def _build(cls, options: LlamaLoraOptions, fresh_adapter_ok: bool) -> LlamaLoraCaptioner:
        if options.checkpoint is None and options.random_weights is None and not fresh_adapter_ok:
            raise FoodcapError(
                "llama-lora needs --checkpoint DIR (a folder written by `foodcap train`): its projector "
                "is trained from scratch, so without one it only produces noise. Use --random-weights "
                "tiny to try the pipeline offline"
            )
        saved = read_checkpoint_config(options.checkpoint) if options.checkpoint else None
        if saved is not None:
            options = _with_checkpoint_settings(options, saved)
        device = resolve_device(options.device)
        precision = choose_dtype(options.dtype, device)
        dtype = precision.dtype
        assert options.model is not None  # _with_checkpoint_settings / registry defaults set it
        if options.random_weights:
            bases = random_base_models(options.random_weights, options.model, device, dtype)
            if options.device_map:
                bases.language_model = cast(PreTrainedModel, dispatch(bases.language_model, options))
        else:
            bases = load_base_models(options.model, options.vision_model, dtype, placement_kwargs(options))
        if options.device_map:
            device = cast(nn.Embedding, bases.language_model.get_input_embeddings()).weight.device  # prefix goes here
            if device.type == "meta":  # offloaded embeddings: hooks bring them to the execution device
                device = resolve_device(options.device)
        network, record = _assemble(options, bases, saved)
        parts: tuple[nn.Module, ...] = (network.vision, network.projector) if options.device_map else (network,)
        for part in parts:
            part.to(device)
        network.eval()  # inference until a trainer calls train()
        if options.gradient_checkpointing:
            network.enable_gradient_checkpointing()
        text = TitleText(bases.tokenizer, options.prompt, options.max_title_tokens)
        return cls(options, network, text, PixelBatch(bases.image_processor), record, device, precision, bases.weights)

    # -- Captioner --------------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return self._device

    def preprocessor(self) -> PixelBatch:
        return self.pixels

    @property
    def generation(self) -> GenerationConfig:
        """Greedy (or beam, with -o generation) to Llama's end of text: foodcap's decoding, nothing from the hub."""
        return clean_generation_config(
            self.options.generation.merged_over(GENERATION_DEFAULTS),
            eos_token_id=self.text.eos_id,
            pad_token_id=self.text.pad_id,
            bos_token_id=self.text.tokenizer.bos_token_id,
        )

    def generate(self, inputs: Batch) -> list[str]:
        pixel_values = inputs["pixel_values"].to(self._device)
        training = self.network.training
        self.network.eval()  # no LoRA dropout while captioning, even mid-training
        try:
            generated = self.network.generate_ids(pixel_values, self.text.prompt_tensor(), self.generation)
        finally:
            self.network.train(training)
        return self.text.decode(generated)

    # -- TrainableCaptioner -----------------------------------------------------------------------
    @property
    def model(self) -> VisualPrefixLM:
        return self.network

    def components(self) -> Mapping[str, nn.Module]:
        """``adapter`` (the LoRA parameters) comes before ``decoder`` so counts attribute them to it."""
        return {
            "encoder": self.network.vision,
            "projector": self.network.projector,
            "adapter": nn.ParameterList(self._adapter_parameters().values()),
            "decoder": self.network.language_model,
        }

    def _adapter_parameters(self) -> dict[str, nn.Parameter]:
        return {
            name: parameter
            for name, parameter in self.network.language_model.named_parameters()
            if LoraModel.prefix in name
        }

    def training_collator(self) -> TitleCollator:
        return TitleCollator(self.pixels, self.text)

    def text_batch(self, titles: list[str]) -> Batch:
        return self.text(titles)

    def loss(self, model: nn.Module, batch: Batch) -> torch.Tensor:
        if self._base_weights_train():
            raise FoodcapError(BASE_WEIGHTS_TRAIN)
        return cast(torch.Tensor, model(**batch).loss)

    def _base_weights_train(self) -> bool:
        adapter = {id(p) for p in self._adapter_parameters().values()}
        return any(p.requires_grad and id(p) not in adapter for p in self.network.language_model.parameters())

    def encoder_cache_key(self) -> str:
        return "pixel_values"

    @torch.no_grad()
    def encode_for_cache(self, inputs: Batch) -> Batch:
        """Pooled ViT tokens; the model takes them as ``vision_features`` in place of pixels."""
        return {"vision_features": self.network.encode_images(inputs["pixel_values"].to(self._device))}

    def save_checkpoint(self, directory: Path) -> None:
        if self._base_weights_train():
            raise FoodcapError(BASE_WEIGHTS_TRAIN)
        vision_trained = any(p.requires_grad for p in self.network.vision.parameters())
        record = self.record.model_copy(update={"vision_trained": vision_trained})
        write_checkpoint(Path(directory), record, self.network)

    def describe(self) -> dict[str, Any]:
        placement = describe_placement(self.network.language_model.get_base_model())
        described = {
            **super().describe(),
            "architecture": self.record.model_dump(mode="json"),
            "generation": generation_record(self.generation),
        }
        if placement:
            described["placement"] = placement
        if self.precision is not None:
            described["precision"] = self.precision.record()
        if self.weights:
            described["weights"] = [weights.record() for weights in self.weights]
        return described


def _with_checkpoint_settings(options: LlamaLoraOptions, saved: CheckpointConfig) -> LlamaLoraOptions:
    """The checkpoint decides the architecture; ``--model``/``--vision-model`` may only relocate its bases.

    A registered default (e.g. llama-lora-3b's) never overrides the checkpoint's own base model,
    so ``--checkpoint`` alone is enough; an explicit other id or folder (a local copy) is honoured.
    """
    language = options.model
    if language is None or language in DEFAULT_LANGUAGE_MODELS.values():
        language = saved.language_model
    vision = saved.vision_model if options.vision_model == DEFAULT_VISION_MODEL else options.vision_model
    return options.model_copy(
        update={
            "model": language,
            "vision_model": vision,
            "random_weights": saved.random_weights,
            "prompt": saved.prompt,
            "prefix_tokens": saved.prefix_tokens,
            "max_title_tokens": saved.max_title_tokens,
            "lora": saved.lora,
        }
    )


def _assemble(
    options: LlamaLoraOptions, bases: BaseModels, saved: CheckpointConfig | None
) -> tuple[VisualPrefixLM, CheckpointConfig]:
    """Wrap the bases: adapter and projector from the checkpoint, or new ones to train."""
    vision_width = int(bases.vision.config.hidden_size)
    patches = (int(bases.vision.config.image_size) // int(bases.vision.config.patch_size)) ** 2
    if options.prefix_tokens is not None and options.prefix_tokens > patches:
        raise FoodcapError(
            f"prefix_tokens={options.prefix_tokens} exceeds the {patches} patches of the "
            f"vision model; pick a square number up to {patches}"
        )
    text_width = int(cast(nn.Embedding, bases.language_model.get_input_embeddings()).weight.shape[1])
    bases.language_model.generation_config = GenerationConfig()  # captioner-owned decoding (generate())
    projector = VisualProjector(vision_width, text_width)  # float32: it trains, even over bf16 bases
    language_model: PeftModel
    if saved is not None:
        directory = cast(Path, options.checkpoint)
        language_model = attach_adapter(bases.language_model, directory, str(options.model), placement_kwargs(options))
        load_weights(projector, directory / PROJECTOR_FILE)
        if saved.vision_trained:
            load_weights(bases.vision, directory / VISION_FILE)
    else:
        lora = options.lora
        config = LoraConfig(
            r=lora.r,
            lora_alpha=lora.alpha,
            lora_dropout=lora.dropout,
            target_modules=list(lora.target_modules),
            task_type="CAUSAL_LM",
        )
        try:
            language_model = cast(PeftModel, get_peft_model(bases.language_model, config))
        except ValueError as error:
            raise FoodcapError(f"cannot add LoRA to {options.model!r}: {str(error).splitlines()[0]}") from error
    network = VisualPrefixLM(
        bases.vision, PatchPooling(options.prefix_tokens), projector, language_model, bases.tokenizer.bos_token_id
    )
    record = CheckpointConfig(
        language_model=str(options.model),
        vision_model=options.vision_model,
        random_weights=options.random_weights,
        prompt=options.prompt,
        prefix_tokens=options.prefix_tokens,
        max_title_tokens=options.max_title_tokens,
        lora=options.lora,
        vision_width=vision_width,
        text_width=text_width,
        vision_trained=saved.vision_trained if saved else False,
    )
    return network, record
