"""Step plans: N ranks at batch B take the global batches one process takes at batch N*B."""

from __future__ import annotations

import pytest
import torch

from foodcap.launch import Launch
from foodcap.training.step_plan import (
    PlannedBatches,
    accumulation_groups,
    own_shard_plan,
    set_schedule_position,
    shared_order_plan,
    steps_per_epoch,
)


def plans(count: int, batch_size: int, world: int, seed: int = 5) -> list:  # type: ignore[type-arg]
    return [
        shared_order_plan(count, batch_size, Launch(rank, world), torch.Generator().manual_seed(seed))
        for rank in range(world)
    ]


@pytest.mark.parametrize("count, world", [(23, 2), (24, 3), (7, 4)])
def test_ranks_together_take_one_process_batches_and_weights_make_the_step_mean(count: int, world: int) -> None:
    [single] = plans(count, 4 * world, 1)
    ranks = plans(count, 4, world)
    assert all(len(plan) == len(single) for plan in ranks)
    for step, batch in enumerate(single.batches):
        real = [index for plan in ranks if not plan.fillers[step] for index in plan.batches[step]]
        assert sorted(real) == sorted(batch) and all(plan.totals[step] == len(batch) for plan in ranks)
        group = range(step, step + 1)
        # DDP averages the ranks' gradients: the weights must average to one sample-mean over the step.
        weights = [plan.weight(step, len(plan.batches[step]), world, group) for plan in ranks]
        shares = [0 if plan.fillers[step] else len(plan.batches[step]) for plan in ranks]
        assert sum(weights) / world == pytest.approx(sum(shares) / len(batch))
        assert all(w == 0 for w, plan in zip(weights, ranks) if plan.fillers[step])


def test_a_short_last_batch_gives_spare_ranks_zero_weight_stand_ins() -> None:
    ranks = plans(9, 2, 4)  # the last global batch holds one sample: three ranks have nothing to train on
    last = len(ranks[0]) - 1
    assert [plan.fillers[last] for plan in ranks] == [False, True, True, True]
    assert all(len(plan.batches[last]) == 1 for plan in ranks)  # every rank still runs a forward pass
    assert ranks[1].weight(last, 1, 4, range(last, last + 1)) == 0.0


def test_own_shards_are_balanced_to_the_longest_and_match_one_process() -> None:
    generator = lambda: torch.Generator().manual_seed(1)  # noqa: E731
    assert own_shard_plan([10], 4, Launch(), generator()) == shared_order_plan(10, 4, Launch(), generator())
    ranks = [own_shard_plan([5, 4], 2, Launch(rank, 2), generator()) for rank in (0, 1)]
    assert [len(plan) for plan in ranks] == [3, 3] and ranks[1].fillers == [False, False, True]
    assert ranks[0].totals == [4, 4, 1] and sorted(i for b in ranks[1].batches[:2] for i in b) == [0, 1, 2, 3]


def test_accumulation_groups_and_steps_per_epoch() -> None:
    [plan] = plans(10, 3, 1)  # 4 batches
    assert [list(group) for group in accumulation_groups(plan, 3)] == [[0, 1, 2], [3]]
    assert steps_per_epoch(plan, 3) == 2 and steps_per_epoch(plan, 1) == 4


def test_stand_ins_are_valid_indices_of_the_ranks_own_data() -> None:
    """A stand-in's identity does not matter (its weight is zero), but it must be a real sample to load."""
    for plan in plans(9, 2, 4):
        assert all(isinstance(i, int) and 0 <= i < 9 for batch in plan.batches for i in batch)
    for rank, size in enumerate([5, 2]):
        plan = own_shard_plan([5, 2], 2, Launch(rank, 2), torch.Generator().manual_seed(1))
        assert all(isinstance(i, int) and 0 <= i < size for batch in plan.batches for i in batch)


def test_planned_batches_yield_the_current_plan() -> None:
    batches = PlannedBatches()
    assert list(batches) == [] and len(batches) == 0  # nothing planned before the first epoch
    [plan] = plans(10, 4, 1)
    batches.plan = plan
    assert list(batches) == plan.batches and len(batches) == 3


@pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step")  # a fresh schedule, resumed
def test_a_resumed_schedule_continues_where_the_steps_left_it() -> None:
    def scheduler() -> torch.optim.lr_scheduler.LRScheduler:
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 / (step + 1))

    straight = scheduler()
    for _ in range(5):
        straight.optimizer.step()
        straight.step()
    resumed = scheduler()
    set_schedule_position(resumed, 5)
    assert resumed.get_last_lr() == straight.get_last_lr() == [1.0 / 6]


def test_a_single_sample_still_gives_every_rank_a_stand_in() -> None:
    """Fewer samples than ranks: the one sample trains on rank 0, the others run its stand-in at weight zero."""
    ranks = plans(1, 1, 2)
    assert [plan.batches for plan in ranks] == [[[0]], [[0]]] and [plan.fillers for plan in ranks] == [[False], [True]]
    shards = [own_shard_plan([1, 2], 2, Launch(rank, 2), torch.Generator().manual_seed(1)) for rank in (0, 1)]
    assert shards[0].batches == [[0]] and shards[0].fillers == [False]
    assert sorted(shards[1].batches[0]) == [0, 1] and shards[0].totals == shards[1].totals == [3]
