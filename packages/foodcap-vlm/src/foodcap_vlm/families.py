"""What differs between VLM families, as data: one ``Family`` per transformers ``model_type``.

Everything else (batching, prompts, few-shot, LoRA, checkpoints) is shared. A family says how its
chat looks (or that it has none), where its answer ends, which of its modules are the vision
tower, the projector and the language model, and which processor options set the resolution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from foodcap import FoodcapError


@dataclass(frozen=True)
class Family:
    model_type: str
    label: str
    # Dotted paths inside the ...ForConditionalGeneration model.
    vision_tower: str
    projector: str
    language_model: str
    # The token that closes an answer; generation stops there and training learns to emit it.
    end_of_answer: str
    # Text between the rendered prompt and the title in a training sequence (SmolVLM: "Assistant:" + " title").
    answer_prefix: str = ""
    chat_template: bool = True  # False: a bare prompt (PaliGemma: "<image><bos>prompt\n")
    system_prompt: bool = True
    attention: str = "sdpa"  # what attention="auto" picks
    images_per_prompt: int | None = None  # None: any number (few-shot with example images)
    # token_type_ids value for answer tokens: PaliGemma marks its suffix with 1 (causal part of its
    # prefix-LM mask); Gemma 3 marks image tokens with 1 and text with 0.
    answer_token_type: int = 0
    # Processor settings given to from_pretrained: each family's resolution knobs.
    image_options: Mapping[str, Any] = field(default_factory=dict)
    # Modules that stay in the compute dtype under 4/8-bit loading.
    keep_unquantized: tuple[str, ...] = ()
    random_builder: str = ""  # "module:function" building (model, processor) with random weights
    # Why float16 is unsafe (with the public source), or None: ``auto`` then picks float32 where
    # bfloat16 is not native (T4, V100, P100), and an explicit float16 is refused.
    float16_risk: str | None = None
    # The question asked when -o prompt is not given; None: foodcap's recipe-title instruction.
    default_prompt: str | None = None


FAMILIES: dict[str, Family] = {
    family.model_type: family
    for family in (
        Family(
            model_type="gemma3",
            label="Gemma 3",
            vision_tower="model.vision_tower",
            projector="model.multi_modal_projector",
            language_model="model.language_model",
            end_of_answer="<end_of_turn>",
            image_options={"do_pan_and_scan": False},
            keep_unquantized=("vision_tower", "multi_modal_projector", "lm_head"),
            random_builder="foodcap_vlm.random_weights.gemma3:build_random_gemma",
            float16_risk="Gemma 3 produces NaN or empty output in float16 (transformers issue #36822)",
        ),
        Family(
            model_type="qwen2_5_vl",
            label="Qwen2.5-VL",
            vision_tower="model.visual",
            projector="model.visual.merger",
            language_model="model.language_model",
            end_of_answer="<|im_end|>",
            # Dynamic resolution: tokens grow with the photo (a 274x169 Kaggle photo: 60); capped at
            # 448x448 pixels (256 tokens, Gemma 3's budget) so a large photo cannot blow up a batch.
            image_options={"max_pixels": 448 * 448},
            keep_unquantized=("visual", "lm_head"),
            random_builder="foodcap_vlm.random_weights.qwen2_5_vl:build_random_qwen",
            float16_risk="Qwen2.5-VL's activations overflow float16 (reported in vLLM issue #13817)",
        ),
        Family(
            model_type="idefics3",
            label="SmolVLM (Idefics3)",
            vision_tower="model.vision_model",
            projector="model.connector",
            language_model="model.text_model",
            end_of_answer="<end_of_utterance>",
            answer_prefix=" ",
            # One global view per image instead of up to 4x4 tiles plus the global one: a food photo
            # needs no OCR-grade detail, and tiles multiply the image tokens by up to 17.
            image_options={"do_image_splitting": False},
            keep_unquantized=("vision_model", "connector", "lm_head"),
            random_builder="foodcap_vlm.random_weights.idefics3:build_random_smolvlm",
        ),
        Family(
            model_type="paligemma",
            label="PaliGemma 2",
            vision_tower="model.vision_tower",
            projector="model.multi_modal_projector",
            language_model="model.language_model",
            end_of_answer="<eos>",
            chat_template=False,
            system_prompt=False,
            attention="eager",
            images_per_prompt=1,
            answer_token_type=1,
            keep_unquantized=("vision_tower", "multi_modal_projector", "lm_head"),
            random_builder="foodcap_vlm.random_weights.paligemma:build_random_paligemma",
            float16_risk="PaliGemma 2's Gemma 2 decoder is at risk of float16 overflow, like Gemma 3's "
            "(transformers issue #36822)",
            # Not conversational: it was trained on task prefixes, and "caption en" is its captioning task.
            default_prompt="caption en",
        ),
    )
}


# model_types that look close to a known family but are refused, with the reason.
REFUSED: dict[str, str] = {
    "smolvlm": "SmolVLM2 checkpoints (smolvlm) are not supported: their processor needs num2words and a "
    "torchvision video processor, and foodcap has not checked their prompts; use a SmolVLM (idefics3) "
    "checkpoint such as HuggingFaceTB/SmolVLM-256M-Instruct",
}


def family_of(model_type: str, source: str) -> Family:
    """The family of a checkpoint's ``model_type``; unknown types are refused with the known ones."""
    if model_type in FAMILIES:
        return FAMILIES[model_type]
    if model_type in REFUSED:
        raise FoodcapError(f"{source!r}: {REFUSED[model_type]}")
    known = ", ".join(f"{f.label} ({f.model_type})" for f in FAMILIES.values())
    raise FoodcapError(f"{source!r} is a {model_type} model; foodcap-vlm knows {known}")
