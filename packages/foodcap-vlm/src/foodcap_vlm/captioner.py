"""Any chat VLM as a captioner: asks for the recipe title, a whole batch per ``generate``; LoRA-trainable.

The study looped over images one by one. The work per image is fixed (the image tokens, a short
prompt, about 30 answer tokens), so batching with left padding is where the time goes back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, cast

import torch
from peft import PeftModel, get_peft_model
from peft.tuners.lora import LoraModel
from peft.utils import ModulesToSaveWrapper
from torch import nn
from transformers import GenerationConfig, PreTrainedModel

from foodcap import Batch, CaptionerOptions, FoodcapError, Sample, TrainableCaptioner
from foodcap.backend import (
    Precision,
    WeightsFile,
    choose_dtype,
    clean_generation_config,
    decode_with,
    describe_placement,
    generation_record,
    placement_kwargs,
    resolve_device,
)

from .batches import CaptionBatch, PromptEncoder, TitleCollator, on_device
from .checkpoint import CheckpointConfig, attach_adapter, lora_config, read_checkpoint_config, write_checkpoint
from .families import FAMILIES, Family
from .few_shot import choose_examples
from .loading import check_quantization, load_model, resolve_family
from .options import VlmOptions
from .prompting import Example, Prompt, question_for, render_prompt
from .titles import clean_title

# Greedy, and long enough for any recipe title (the longest Epicurious titles are ~25 tokens).
DEFAULT_GENERATION: dict[str, Any] = {"max_new_tokens": 32, "num_beams": 1}

BASE_WEIGHTS_TRAIN = (
    "base weights of the VLM are set to train, but VLM captioners train a LoRA adapter (and the "
    "projector) and save only those: use --freeze lora"
)


class VlmCaptioner(TrainableCaptioner):
    """A chat VLM (AutoModelForImageTextToText + its processor) asked for each image's recipe title."""

    name: ClassVar[str] = "vlm"
    description: ClassVar[str] = "Any chat VLM (-o model=ID): zero-shot, few-shot (-o shots=K) or LoRA-trained."
    Options: ClassVar[type[CaptionerOptions]] = VlmOptions
    default_freeze_policy: ClassVar[str] = "lora"
    family_required: ClassVar[str | None] = None  # a model_type that subclasses insist on
    supports_device_map: ClassVar[bool] = True  # --device-map spreads the model (see loading.py)

    def __init__(
        self,
        options: VlmOptions,
        model: PreTrainedModel | PeftModel,
        processor: Any,
        family: Family,
        device: torch.device,
        record: CheckpointConfig,
        precision: Precision | None = None,
        weights: WeightsFile | None = None,
    ) -> None:
        super().__init__(options)
        self.options: VlmOptions = options
        self.network = model.eval()
        self.processor = processor
        self.family = family
        self._device = device
        self.record = record
        self.precision = precision
        self.weights = weights
        self.examples: list[Example] | None = None if options.shots else []
        self.stop_token_ids = _stop_token_ids(self.base_model, processor.tokenizer, family)

    # -- building -------------------------------------------------------------------------------
    @classmethod
    def load(cls, options: CaptionerOptions) -> VlmCaptioner:
        """Zero- or few-shot, or with the LoRA adapter of ``options.checkpoint``."""
        return cls._build(cls._checked(options), training=False)

    @classmethod
    def load_for_training(cls, options: CaptionerOptions) -> VlmCaptioner:
        """Like ``load``, plus a new LoRA adapter when there is no checkpoint to continue from."""
        options = cls._checked(options)
        if options.shots:
            raise FoodcapError(
                "few-shot prompting (shots) is for foodcap run; training learns from titles "
                "without examples, so drop -o shots"
            )
        return cls._build(options, training=True)

    @classmethod
    def float16_risk(cls, options: CaptionerOptions) -> str | None:
        """The family's: a preset's (or a checkpoint's) without any download; else from the model's config.json."""
        checked = cls._checked(options)
        if checked.checkpoint is not None:
            return FAMILIES[read_checkpoint_config(checked.checkpoint).family].float16_risk
        if checked.family is not None:
            return FAMILIES[checked.family].float16_risk
        if checked.model is None or checked.random_weights is not None:
            return None
        return resolve_family(checked, cls.family_required)[0].float16_risk

    @classmethod
    def _checked(cls, options: CaptionerOptions) -> VlmOptions:
        if isinstance(options, cls.Options):
            return cast(VlmOptions, options)
        return cast(VlmOptions, cls.Options.model_validate(options.model_dump(exclude_unset=True)))

    @classmethod
    def _build(cls, options: VlmOptions, training: bool) -> VlmCaptioner:
        saved = read_checkpoint_config(options.checkpoint) if options.checkpoint else None
        if saved is not None:
            options = _with_checkpoint_settings(options, saved)
        elif training and options.train_model is not None:
            options = options.model_copy(update={"model": options.train_model})
        device = resolve_device(options.device)
        check_quantization(options, device)
        family, config = resolve_family(options, cls.family_required)
        if options.prompt is None:
            options = options.model_copy(update={"prompt": question_for(family, None)})
        precision = choose_dtype(options.dtype, device, family.float16_risk)
        model, processor, weights = load_model(options, family, config, device, precision.dtype)
        if options.device_map:  # inputs go where the embeddings are; accelerate's hooks do the rest
            embeddings = cast(nn.Embedding, model.get_input_embeddings()).weight.device
            device = embeddings if embeddings.type != "meta" else device
        network: PreTrainedModel | PeftModel = model
        if saved is not None:
            network = attach_adapter(
                model, cast(Path, options.checkpoint), trainable=training, placement=placement_kwargs(options)
            )
        elif training:
            network = get_peft_model(model, lora_config(family, options.lora))
        record = CheckpointConfig(
            model=options.model,
            random_weights=options.random_weights,
            family=family.model_type,
            prompt=cast(str, options.prompt),
            system_prompt=options.system_prompt,
            max_title_tokens=options.max_title_tokens,
            lora=options.lora,
        )
        captioner = cls(options, network, processor, family, device, record, precision, weights)
        decode_with(captioner.base_model, captioner.generation)  # nothing from the hub's generation_config
        return captioner

    # -- Captioner --------------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return self._device

    @property
    def base_model(self) -> PreTrainedModel:
        """The transformers model, under the peft wrapper when there is one."""
        if isinstance(self.network, PeftModel):
            return cast(PreTrainedModel, self.network.get_base_model())
        return self.network

    def use_examples(self, pool: Sequence[Sample]) -> None:
        """Pick ``shots`` examples from ``pool`` (the train split) for every prompt of this run."""
        if self.options.shots:
            self.examples = choose_examples(pool, self.options.shots, self.options.shot_seed, self.options.shot_format)

    def prompt(self) -> Prompt:
        if self.examples is None:
            raise FoodcapError(
                f"shots={self.options.shots} needs examples from the train split first: call "
                "use_examples(train_samples) (foodcap run does)"
            )
        return render_prompt(
            self.processor,
            self.family,
            self.question,
            self.options.system_prompt,
            self.examples,
            self.options.shot_format,
        )

    @property
    def question(self) -> str:
        """The prompt option, or the family's default when none was given."""
        return question_for(self.family, self.options.prompt)

    def preprocessor(self) -> CaptionBatch:
        return CaptionBatch(PromptEncoder(self.processor, self.family, self.prompt()))

    def generate(self, inputs: Batch) -> list[str]:
        answers = self.processor.batch_decode(self.answer_token_ids(inputs), skip_special_tokens=True)
        return [clean_title(answer) for answer in answers]

    def answers(self, inputs: Batch) -> list[list[int]]:
        """Each row's answer tokens up to and including its stop token (batch rows pad after it)."""
        rows = []
        for row in self.answer_token_ids(inputs).tolist():
            stop = next((i for i, token in enumerate(row) if token in self.stop_token_ids), len(row) - 1)
            rows.append(row[: stop + 1])
        return rows

    def answer_token_ids(self, inputs: Batch) -> torch.Tensor:
        """The generated tokens only (prompt cut off), one row per image, padded after the stop token."""
        batch = on_device(inputs, self.components()["encoder"], self._device)
        training = self.network.training
        self.network.eval()  # no LoRA dropout while captioning, even mid-training
        try:
            with torch.inference_mode():
                output = self.network.generate(**batch, generation_config=self.generation)
        finally:
            self.network.train(training)
        # With left padding every prompt ends in the same column, so the answers start right after it.
        return cast(torch.Tensor, output[:, batch["input_ids"].shape[1] :].cpu())

    @property
    def generation(self) -> GenerationConfig:
        """Greedy (or beam, with -o generation) up to the family's stop tokens; nothing from the hub."""
        settings = self.options.generation.merged_over(DEFAULT_GENERATION)
        if self.options.min_new_tokens is not None:
            settings["min_new_tokens"] = self.options.min_new_tokens
        pad = self.processor.tokenizer.pad_token_id
        return clean_generation_config(
            settings, eos_token_id=self.stop_token_ids, pad_token_id=pad if pad is not None else self.stop_token_ids[0]
        )

    # -- TrainableCaptioner -----------------------------------------------------------------------
    @property
    def model(self) -> nn.Module:
        return self.network

    def components(self) -> Mapping[str, nn.Module]:
        """``projector`` and ``adapter`` come first so that parameter counts attribute them there
        (Qwen2.5-VL's projector sits inside its vision tower, LoRA inside the language model)."""
        base = self.base_model
        projector = base.get_submodule(self.family.projector)
        if isinstance(projector, ModulesToSaveWrapper):
            projector = projector.modules_to_save["default"]  # the copy that trains and is saved
        return {
            "projector": projector,
            "adapter": nn.ParameterList(self._adapter_parameters()),
            "encoder": base.get_submodule(self.family.vision_tower),
            "decoder": base.get_submodule(self.family.language_model),
        }

    def _adapter_parameters(self) -> list[nn.Parameter]:
        return [parameter for name, parameter in self.network.named_parameters() if LoraModel.prefix in name]

    def training_collator(self) -> TitleCollator:
        zero_shot = render_prompt(self.processor, self.family, self.question, self.options.system_prompt)
        return TitleCollator(PromptEncoder(self.processor, self.family, zero_shot), self.options.max_title_tokens)

    def loss(self, model: nn.Module, batch: Batch) -> torch.Tensor:
        self._check_trainable()
        return cast(torch.Tensor, model(**batch).loss)

    def _check_trainable(self) -> None:
        if not isinstance(self.network, PeftModel):
            raise FoodcapError("this captioner was loaded for captioning; load it with load_for_training to train")
        components = self.components()
        allowed = {id(p) for name in ("adapter", "projector") for p in components[name].parameters()}
        if any(p.requires_grad and id(p) not in allowed for p in self.network.parameters()):
            raise FoodcapError(BASE_WEIGHTS_TRAIN)

    def save_checkpoint(self, directory: Path) -> None:
        self._check_trainable()
        write_checkpoint(Path(directory), self.record, cast(PeftModel, self.network))

    def describe(self) -> dict[str, Any]:
        described = {
            **super().describe(),
            "family": self.family.model_type,
            "dtype": str(self.base_model.dtype).removeprefix("torch."),
            "generation": generation_record(self.generation),
        }
        if self.precision is not None:
            described["precision"] = self.precision.record()
        if self.weights is not None:
            described["weights"] = self.weights.record()
        placement = describe_placement(self.base_model)
        if placement:
            described["placement"] = placement
        if self.options.shots:
            # Which train-split samples the prompts showed: the few-shot run's record.
            described["examples"] = [{"id": e.id, "title": e.title} for e in self.examples or []]
        return described


def _with_checkpoint_settings(options: VlmOptions, saved: CheckpointConfig) -> VlmOptions:
    """The checkpoint decides the base model and prompt; ``--model FOLDER`` may relocate the base
    (a local copy), while a preset's default hub id never overrides the checkpoint's own."""
    relocated = options.model is not None and Path(options.model).expanduser().is_dir()
    return options.model_copy(
        update={
            "model": options.model if relocated else saved.model,
            "random_weights": saved.random_weights,
            "family": saved.family,
            "prompt": saved.prompt,
            "system_prompt": saved.system_prompt,
            "max_title_tokens": saved.max_title_tokens,
            "lora": saved.lora,
        }
    )


def _stop_token_ids(model: PreTrainedModel, tokenizer: Any, family: Family) -> list[int]:
    """The configured EOS ids, the tokenizer's EOS and the family's end of answer (<end_of_turn>...)."""
    configured = model.generation_config.eos_token_id
    ids = configured if isinstance(configured, list) else [configured]
    ids = [*ids, tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids(family.end_of_answer)]
    return list(dict.fromkeys(i for i in ids if i is not None and i != tokenizer.unk_token_id))
