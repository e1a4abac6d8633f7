"""Gemma 3 as a zero-shot captioner: ask for the recipe title, answer a whole batch at once.

The study looped over images one by one (about 11 hours for the test split). The work per image
is fixed (256 image tokens, a short prompt, about 30 answer tokens), so batching with left
padding is where the time goes back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Literal

import torch
from pydantic import Field
from transformers import AutoConfig, AutoProcessor, Gemma3ForConditionalGeneration

from foodcap import Batch, Captioner, CaptionerOptions, FoodcapError
from foodcap.hub import hub_errors
from foodcap.placement import resolve_device, resolve_dtype

from .prompting import DEFAULT_PROMPT, GemmaPreprocessor
from .quantization import Quantization, quantization_config
from .random_weights import END_OF_TURN, build_random_gemma
from .titles import clean_title

DEFAULT_MODEL = "google/gemma-3-12b-it"
# Greedy, and long enough for any recipe title (the longest Epicurious titles are ~25 tokens).
DEFAULT_GENERATION: dict[str, Any] = {"max_new_tokens": 32, "num_beams": 1}


class GemmaOptions(CaptionerOptions):
    """Options of the Gemma 3 captioners, on top of those every captioner takes."""

    prompt: str = Field(DEFAULT_PROMPT, min_length=1, description="The question asked about each image.")
    quantization: Quantization = Field(
        "none", description="Load weights in 4 or 8 bits (needs foodcap-gemma[quant] and a CUDA GPU)."
    )
    attention: Literal["sdpa", "eager"] = Field(
        "sdpa", description="Attention implementation (Gemma 3 does not support flash attention)."
    )
    min_new_tokens: int | None = Field(
        None, ge=1, description="Generate at least this many tokens (benchmarks force a fixed length)."
    )


class GemmaCaptioner(Captioner):
    """Gemma 3 instruction-tuned, asked for each image's recipe title in one batched ``generate``."""

    name: ClassVar[str] = "gemma-3-12b"
    description: ClassVar[str] = "Gemma 3 zero-shot: asks for the recipe title (batched, left padding)."
    Options: ClassVar[type[CaptionerOptions]] = GemmaOptions

    def __init__(
        self, options: GemmaOptions, model: Gemma3ForConditionalGeneration, processor: Any,
        device: torch.device,
    ) -> None:
        super().__init__(options)
        self.options: GemmaOptions = options
        self.model = model.eval()
        self.processor = processor
        self._device = device
        self.stop_token_ids = _stop_token_ids(model, processor.tokenizer)  # where an answer ends

    @classmethod
    def load(cls, options: CaptionerOptions) -> GemmaCaptioner:
        options = GemmaOptions.model_validate(options.model_dump())
        if options.checkpoint is not None:
            raise FoodcapError(
                "Gemma captioners are zero-shot and take no --checkpoint; pass a local model folder "
                "with --model PATH instead"
            )
        device = resolve_device(options.device)
        dtype = resolve_dtype(options.dtype, device)
        if options.random_weights is not None:
            if options.quantization != "none":
                raise FoodcapError("quantization applies to downloaded weights, not to --random-weights")
            model, processor = build_random_gemma(
                options.random_weights, device=device, dtype=dtype, attention=options.attention
            )
        else:
            model, processor = _load_pretrained(options.model or DEFAULT_MODEL, options, device, dtype)
        return cls(options, model, processor, device)

    @property
    def device(self) -> torch.device:
        return self._device

    def preprocessor(self) -> GemmaPreprocessor:
        return GemmaPreprocessor(self.processor, self.options.prompt)

    def generate(self, inputs: Batch) -> list[str]:
        answers = self.processor.batch_decode(self.answer_token_ids(inputs), skip_special_tokens=True)
        return [clean_title(answer) for answer in answers]

    def answer_token_ids(self, inputs: Batch) -> torch.Tensor:
        """The generated tokens only (prompt cut off), one row per image, padded after the stop token."""
        # Pixels in the vision tower's dtype, which stays unquantized under 4/8-bit loading.
        pixel_dtype = self.model.model.vision_tower.dtype
        batch = {
            key: value.to(self._device, pixel_dtype if value.is_floating_point() else value.dtype)
            for key, value in inputs.items()
        }
        settings = self.options.generation.merged_over(DEFAULT_GENERATION)
        if self.options.min_new_tokens is not None:
            settings["min_new_tokens"] = self.options.min_new_tokens
        with torch.inference_mode():
            # do_sample is explicit: the -it checkpoints' generation_config samples (top_k=64), and
            # captions must be reproducible.
            output = self.model.generate(
                **batch, **settings, do_sample=False, eos_token_id=self.stop_token_ids,
                pad_token_id=self.processor.tokenizer.pad_token_id,
            )
        # With left padding every prompt ends in the same column, so the answers start right after it.
        return output[:, batch["input_ids"].shape[1]:].cpu()

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "dtype": str(self.model.dtype).removeprefix("torch.")}


def _load_pretrained(
    source: str, options: GemmaOptions, device: torch.device, dtype: torch.dtype
) -> tuple[Gemma3ForConditionalGeneration, Any]:
    """Processor and weights from the hub or a folder, with every failure as one clear line."""
    _check_local_folder(source)
    # Weights go straight to the device (no full copy in host memory first); bitsandbytes
    # quantizes them on the way.
    placement: dict[str, Any] = {"device_map": {"": device}}
    quantization = quantization_config(options.quantization, dtype, device)
    if quantization is not None:
        placement["quantization_config"] = quantization
    token = os.environ.get("HF_TOKEN") or None  # gated weights: the licence must be accepted first
    with hub_errors(source):
        config = AutoConfig.from_pretrained(source, token=token)
        if config.model_type != "gemma3":
            raise FoodcapError(
                f"{source!r} is a {config.model_type} model; the gemma captioners need a Gemma 3 "
                "image-text model (gemma-3-4b/12b/27b, -it or -pt)"
            )
        processor = AutoProcessor.from_pretrained(source, token=token)
        model = Gemma3ForConditionalGeneration.from_pretrained(
            source, config=config, dtype=dtype, attn_implementation=options.attention,
            use_safetensors=True, token=token, **placement,
        )
    return model, processor


def _check_local_folder(source: str) -> None:
    """A path that names no folder is a typo to report, not a hub id to try."""
    path = Path(source).expanduser()
    looks_local = path.is_absolute() or source.startswith((".", "~")) or source.count("/") > 1
    if looks_local and not path.is_dir():
        raise FoodcapError(f"model folder {source!r} does not exist; pass a hub id or an existing folder")


def _stop_token_ids(model: Gemma3ForConditionalGeneration, tokenizer: Any) -> list[int]:
    """<eos> and <end_of_turn>: the -it models close their answer with the latter."""
    configured = model.generation_config.eos_token_id
    ids = configured if isinstance(configured, list) else [configured]
    ids = [*ids, tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids(END_OF_TURN)]
    return list(dict.fromkeys(i for i in ids if i is not None and i != tokenizer.unk_token_id))
