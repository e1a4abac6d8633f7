"""Tiny random ViT + Llama saved with save_pretrained, loaded through the user's from_pretrained path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from PIL import Image, ImageDraw

from foodcap_llama.captioner import LlamaLoraCaptioner
from foodcap_llama.options import LlamaLoraOptions
from foodcap_llama.random_weights import random_base_models

COLOURS = {"Tomato": (214, 45, 32), "Spinach": (63, 155, 58), "Blueberry": (59, 76, 192), "Lemon": (244, 208, 63)}
DISHES = ("Soup", "Cake")


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread() -> Iterator[None]:
    """Two shared CPU cores: for these tiny models one intra-op thread beats two threads fighting."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def saved_bases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Folders holding a tiny Llama (+ tokenizer) and a tiny ViT (+ image processor), as on the hub."""
    root = tmp_path_factory.mktemp("bases")
    bases = random_base_models("tiny", "meta-llama/Llama-3.2-1B", torch.device("cpu"), torch.float32)
    language, vision = root / "llama", root / "vit"
    bases.language_model.save_pretrained(language)
    bases.tokenizer.save_pretrained(language)
    bases.vision.save_pretrained(vision)
    bases.image_processor.save_pretrained(vision)
    return {"model": str(language), "vision_model": str(vision)}


@pytest.fixture(scope="session")
def options(saved_bases: dict[str, str]) -> Callable[..., LlamaLoraOptions]:
    """Options for the saved tiny bases on CPU in float32; keyword arguments override."""

    def build(**overrides: Any) -> LlamaLoraOptions:
        return LlamaLoraOptions.model_validate({**saved_bases, "device": "cpu", "dtype": "float32", **overrides})

    return build


@pytest.fixture(scope="session")
def fresh_captioner(options: Callable[..., LlamaLoraOptions]) -> Callable[..., LlamaLoraCaptioner]:
    """A captioner with a new projector and adapter, as `foodcap train` starts it (seeded)."""

    def build(seed: int = 0, **overrides: Any) -> LlamaLoraCaptioner:
        torch.manual_seed(seed)
        return LlamaLoraCaptioner.load_for_training(options(**overrides))

    return build


def draw_dish(ingredient: str, dish: str, size: int = 32, jitter: int = 0) -> Image.Image:
    """A plate whose title follows from the picture: the colour names the ingredient, the shape the dish."""
    image = Image.new("RGB", (size, size), (235, 232, 226))
    pen = ImageDraw.Draw(image)
    colour = COLOURS[ingredient]
    if dish == "Soup":  # a bowl: a centred disc
        pen.ellipse((6 + jitter, 6 + jitter, 26 + jitter, 26 + jitter), fill=colour)
    else:  # a slab of cake across the top half
        pen.rectangle((0, 2 + jitter, size - 1, 14 + jitter), fill=colour)
    return image


def dish_set(count: int, seed: int) -> list[tuple[Image.Image, str]]:
    generator = torch.Generator().manual_seed(seed)
    names = list(COLOURS)
    pairs = []
    for _ in range(count):
        ingredient = names[int(torch.randint(len(names), (1,), generator=generator))]
        dish = DISHES[int(torch.randint(len(DISHES), (1,), generator=generator))]
        jitter = int(torch.randint(-3, 4, (1,), generator=generator))
        pairs.append((draw_dish(ingredient, dish, jitter=jitter), f"{ingredient} {dish}"))
    return pairs


@pytest.fixture(scope="session")
def dishes() -> Callable[[int, int], list[tuple[Image.Image, str]]]:
    """``dishes(count, seed)``: synthetic (image, title) pairs."""
    return dish_set


def train_steps(
    captioner: LlamaLoraCaptioner,
    pairs: list[tuple[Image.Image, str]],
    steps: int,
    lr: float = 3e-3,
    batch_size: int = 8,
    seed: int = 0,
) -> None:
    """A minimal loop over the public interface: AdamW on trainable parameters, ``captioner.loss``.

    Batches are the training collator's two halves (pixels, text_batch) with the images
    preprocessed once, and drawn at random with a seeded generator.
    """
    model = captioner.model
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    pixels = captioner.preprocessor()([image for image, _ in pairs])["pixel_values"]
    titles = [title for _, title in pairs]
    draw = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(steps):
        rows = torch.randint(len(pairs), (batch_size,), generator=draw).tolist()
        batch = {"pixel_values": pixels[rows], **captioner.text_batch([titles[row] for row in rows])}
        captioner.loss(model, batch).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    model.eval()


@pytest.fixture(scope="session")
def trainer() -> Callable[..., None]:
    return train_steps
