"""LoRA fine-tuning of a tiny VLM on the bundled sample, whose titles follow from what is drawn."""

from __future__ import annotations

from pathlib import Path

import torch
from peft import PeftModel
from PIL import Image

from foodcap import FoodcapError
from foodcap.dataset import Sample, open_rgb
from foodcap.freeze import FreezeEncoder, TrainAdapters
from foodcap_vlm.captioner import VlmCaptioner
from foodcap_vlm.families import FAMILIES
from foodcap_vlm.options import VlmOptions
from foodcap_vlm.random_weights import build_random

FAMILY = "idefics3"  # the fastest tiny family to train; the code path is the same for all four
Pairs = list[tuple[Image.Image, str]]


def fresh(seed: int = 0) -> VlmCaptioner:
    torch.manual_seed(seed)
    captioner = VlmCaptioner.load_for_training(
        VlmOptions(
            random_weights="tiny", family=FAMILY, device="cpu", dtype="float32", generation={"max_new_tokens": 12}
        )
    )
    TrainAdapters().apply(captioner)
    return captioner


def pairs(samples: list[Sample]) -> Pairs:
    return [(open_rgb(sample.image)[0], sample.title) for sample in samples]


def batches(captioner: VlmCaptioner, data: Pairs, size: int = 16) -> list[dict[str, torch.Tensor]]:
    collate = captioner.training_collator()
    return [
        collate([image for image, _ in data[i : i + size]], [title for _, title in data[i : i + size]])
        for i in range(0, len(data), size)
    ]


def train(captioner: VlmCaptioner, data: Pairs, epochs: int, lr: float = 1e-2) -> None:
    model = captioner.model
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    prepared = batches(captioner, data)
    model.train()
    for _ in range(epochs):
        for batch in prepared:
            captioner.loss(model, batch).backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
    model.eval()


def word_overlap(captions: list[str], titles: list[str]) -> float:
    """Unigram precision against the reference (BLEU-1 without the brevity penalty)."""
    hits = total = 0
    for caption, title in zip(captions, titles):
        reference = title.lower().split()
        words = caption.lower().split()
        hits += sum(word in reference for word in words)
        total += len(words)
    return hits / max(total, 1)


@torch.no_grad()
def mean_loss(captioner: VlmCaptioner, data: Pairs) -> float:
    captioner.model.eval()
    losses = [float(captioner.loss(captioner.model, batch)) for batch in batches(captioner, data)]
    return sum(losses) / len(losses)


def test_training_lowers_val_loss_and_beats_the_shuffled_image_control(splits: dict[str, list[Sample]]) -> None:
    train_pairs, val = pairs(splits["train"]), pairs(splits["val"])[:24]
    order = torch.randperm(len(train_pairs), generator=torch.Generator().manual_seed(3)).tolist()
    shuffled = [(train_pairs[i][0], train_pairs[j][1]) for i, j in enumerate(order)]
    losses, overlaps = {}, {}
    for name, data in (("grounded", train_pairs), ("control", shuffled)):
        captioner = fresh()
        before = mean_loss(captioner, val)
        train(captioner, data, epochs=12, lr=5e-3)
        losses[name] = (before, mean_loss(captioner, val))
        overlaps[name] = word_overlap(captioner.caption([image for image, _ in val]), [title for _, title in val])
    assert losses["grounded"][1] < 0.5 * losses["grounded"][0], losses
    # Both runs learn the title prior ("Mushroom Salad with Basil" for every photo); only the
    # grounded one can also read the photo's colour and shape.
    assert losses["grounded"][1] < losses["control"][1] - 0.2, losses
    assert overlaps["grounded"] > overlaps["control"] + 0.1, overlaps


def test_lora_leaves_frozen_weights_bit_identical_and_round_trips_through_plain_peft(
    splits: dict[str, list[Sample]], tmp_path: Path
) -> None:
    captioner = fresh()
    frozen = {name: p.detach().clone() for name, p in captioner.model.named_parameters() if not p.requires_grad}
    trainable = {name: p.detach().clone() for name, p in captioner.model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in name or "modules_to_save" in name for name in trainable)
    assert not any(p.requires_grad for p in captioner.components()["encoder"].parameters())
    train(captioner, pairs(splits["train"])[:32], epochs=2)
    for name, parameter in captioner.model.named_parameters():
        if name in frozen:
            assert torch.equal(parameter, frozen[name]), name
    assert any(not torch.equal(p, trainable[n]) for n, p in captioner.model.named_parameters() if n in trainable)

    captioner.save_checkpoint(tmp_path / "best")
    assert (tmp_path / "best" / "adapter_model.safetensors").is_file()
    val = [image for image, _ in pairs(splits["val"])[:6]]
    expected = captioner.caption(val)
    # Plain peft on a freshly built base (same seed) restores adapter and projector alike.
    base, _ = build_random(FAMILIES[FAMILY].random_builder, "tiny")
    restored = PeftModel.from_pretrained(base, str(tmp_path / "best")).eval()
    batch = captioner.preprocessor()(val)
    with torch.no_grad():
        assert torch.allclose(restored(**batch).logits, captioner.model(**batch).logits, atol=1e-5)
    # And foodcap's own loading path, from --checkpoint alone.
    loaded = VlmCaptioner.load(
        VlmOptions(checkpoint=tmp_path / "best", device="cpu", generation={"max_new_tokens": 12})
    )
    assert loaded.caption(val) == expected


def test_policies_that_train_base_weights_are_refused(splits: dict[str, list[Sample]]) -> None:
    captioner = fresh()
    FreezeEncoder().apply(captioner)  # the language model's base weights would train
    batch = batches(captioner, pairs(splits["train"])[:2])[0]
    try:
        captioner.loss(captioner.model, batch)
    except FoodcapError as error:
        assert "--freeze lora" in str(error)
    else:
        raise AssertionError("base weights were allowed to train")


def test_labels_cover_the_title_and_end_of_answer_only(splits: dict[str, list[Sample]]) -> None:
    captioner = fresh()
    title = "Roast Chicken with Lemon"
    batch = captioner.training_collator()([Image.new("RGB", (40, 30))], [title])
    labelled = batch["labels"][0][batch["labels"][0] != -100]
    tokenizer = captioner.processor.tokenizer
    assert tokenizer.decode(labelled[:-1]).strip() == title
    assert int(labelled[-1]) == tokenizer.convert_tokens_to_ids(FAMILIES[FAMILY].end_of_answer)
    # the labelled tokens are the last real tokens of the row
    assert int(batch["attention_mask"][0].sum()) == batch["labels"].shape[1]
    assert torch.equal(batch["input_ids"][0][-len(labelled) :], labelled)
