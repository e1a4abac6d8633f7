"""What trains under each freeze policy, and that frozen weights really stay bit-identical."""

from __future__ import annotations

import pytest
import torch

from foodcap import FoodcapError, parameter_counts
from foodcap.freeze import FreezeDecoder, FreezeEncoder, TrainEverything
from foodcap_llama.freeze_policy import TrainAdapters


def _snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def test_lora_policy_trains_exactly_projector_and_lora(fresh_captioner):
    captioner = fresh_captioner()
    TrainAdapters().apply(captioner)
    trainable = {name for name, p in captioner.model.named_parameters() if p.requires_grad}
    projector = {f"projector.{name}" for name, _ in captioner.model.projector.named_parameters()}
    lora = {name for name, _ in captioner.model.named_parameters() if ".lora_A." in name or ".lora_B." in name}
    assert projector and lora
    assert trainable == projector | lora
    # 2 layers x 4 attention projections x (A, B)
    assert len(lora) == 16
    counts = parameter_counts(captioner)
    assert counts["encoder"]["trainable"] == counts["decoder"]["trainable"] == 0
    assert counts["adapter"]["frozen"] == counts["projector"]["frozen"] == 0


def test_lora_targets_are_configurable(fresh_captioner):
    captioner = fresh_captioner(lora={"target_modules": ["q_proj", "v_proj", "down_proj"], "r": 4})
    TrainAdapters().apply(captioner)
    lora = [name for name, p in captioner.model.named_parameters() if p.requires_grad and "lora_A" in name]
    assert sorted({name.split(".lora_A")[0].rsplit(".", 1)[1] for name in lora}) == ["down_proj", "q_proj", "v_proj"]
    assert all(captioner.model.get_parameter(name).shape[0] == 4 for name in lora)


def test_base_weights_bit_identical_after_training_while_adapter_and_projector_move(fresh_captioner, dishes, trainer):
    captioner = fresh_captioner()
    TrainAdapters().apply(captioner)
    before = _snapshot(captioner.model)
    trainer(captioner, dishes(16, seed=1), steps=3)
    after = _snapshot(captioner.model)
    trainable = {name for name, p in captioner.model.named_parameters() if p.requires_grad}
    for name in before:
        if name in trainable:
            continue
        assert torch.equal(before[name], after[name]), f"frozen {name} changed"
    changed = {name for name in trainable if not torch.equal(before[name], after[name])}
    # LoRA B starts at zero, so A only moves once B has: after 3 steps every trainable tensor moved.
    assert changed == trainable


def test_decoder_policy_trains_vit_and_projector_only(fresh_captioner, dishes, trainer):
    captioner = fresh_captioner()
    FreezeDecoder().apply(captioner)
    trainable = {name.split(".")[0] for name, p in captioner.model.named_parameters() if p.requires_grad}
    assert trainable == {"vision", "projector"}
    trainer(captioner, dishes(8, seed=1), steps=1)  # allowed: the checkpoint then carries the ViT


@pytest.mark.parametrize("policy", [TrainEverything(), FreezeEncoder()])
def test_policies_that_train_llama_base_weights_are_refused_in_one_line(fresh_captioner, dishes, policy):
    captioner = fresh_captioner()
    policy.apply(captioner)
    images, titles = zip(*dishes(2, seed=1))
    batch = captioner.training_collator()(list(images), list(titles))
    with pytest.raises(FoodcapError, match="--freeze lora") as error:
        captioner.loss(captioner.model, batch)
    assert "\n" not in str(error.value)


def test_lora_policy_needs_an_adapter(fresh_captioner):
    class NoAdapter:
        name = "plain"

        def components(self):
            return {"encoder": torch.nn.Linear(2, 2)}

    with pytest.raises(FoodcapError, match="needs a captioner with a LoRA adapter"):
        TrainAdapters().apply(NoAdapter())  # type: ignore[arg-type]
