"""The training ranks' helpers for real: two processes on gloo, against one, with captions that differ per image.

The ranks are spawned from this test (not torchrun), so they import the package exactly as this
process does (a mutant under mutmut included); each writes what it saw to a JSON file the test compares.
Each test also calls its helpers in this process with one rank, which is how mutmut links them to it.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL.Image import Image
from rich.console import Console

from foodcap import Batch
from foodcap.batches import DecodedBatch
from foodcap.config import DataConfig
from foodcap.dataset import load_kaggle_dataset
from foodcap.launch import Launch
from foodcap.runs.captioning import CaptionLog
from foodcap.training.ranks import (
    agreed,
    any_rank_empty,
    caption_shards,
    gathered,
    sync_skipped_gradients,
)

from conftest import write_kaggle_folder
from fake_captioner import Pixels

QUIET = Console(quiet=True)
DATA = DataConfig(batch_size=4, num_workers=0, prefetch_mb=16)


class PixelCaptioner:
    """Captions each photo by its mean pixel values: deterministic, and different for every noisy photo."""

    name = "pixels"

    def preprocessor(self) -> Pixels:
        return Pixels()

    def generate(self, inputs: Batch) -> list[str]:
        return [" ".join(f"{value:.5f}" for value in row[:3].tolist()) for row in inputs["pixel_values"]]

    def caption(self, images: Sequence[Image]) -> list[str]:
        return self.generate(Pixels()(list(images)))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rank_main(rank: int, world: int, port: int, dataset: str, out: str) -> None:
    """One rank: the collectives this module offers, each with a result that tells ranks apart."""
    os.environ.update(
        RANK=str(rank),
        WORLD_SIZE=str(world),
        LOCAL_RANK=str(rank),
        LOCAL_WORLD_SIZE=str(world),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    torch.set_num_threads(1)
    from accelerate import PartialState

    PartialState(cpu=True)  # the gloo process group, as the trainer's Accelerator starts it
    launch = Launch(rank, world, rank)
    samples = load_kaggle_dataset(dataset).samples
    pairs, log = caption_shards(PixelCaptioner(), samples, DATA, QUIET, launch)  # type: ignore[arg-type]
    model = torch.nn.Linear(2, 1)
    model.weight.grad = torch.full((1, 2), float(rank + 1))  # rank 0: 1, rank 1: 2; their mean: 1.5
    sync_skipped_gradients(model, launch)
    empty = DecodedBatch(samples[:0] if rank == 1 else samples[:1], {})
    full = DecodedBatch(samples[:1], {})
    result = {
        "captions": [[sample.id, caption] for sample, caption in pairs],
        "captioned": log.captioned,
        "agreed": agreed(f"chosen by rank {rank}", launch),
        "gathered": gathered(rank * 10, launch),
        "gradient": model.weight.grad.tolist(),
        "bias_gradient": model.bias.grad,
        "any_empty": [any_rank_empty(empty, launch), any_rank_empty(full, launch)],
    }
    Path(out, f"rank-{rank}.json").write_text(json.dumps(result))
    # Leave together: a rank that exits while the other's gloo threads still talk to it can make the
    # other abort ("terminate called without an active exception"), a flake seen once in CI.
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ranks") / "food"
    write_kaggle_folder(root, per_title=3)
    return root


@pytest.fixture(scope="module")
def two_ranks(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("rank-results")
    torch.multiprocessing.start_processes(
        rank_main, args=(2, free_port(), str(dataset), str(out)), nprocs=2, start_method="spawn"
    )
    return [json.loads((out / f"rank-{rank}.json").read_text()) for rank in (0, 1)]


def test_two_ranks_caption_like_one_process_id_by_id(dataset: Path, two_ranks: list[dict[str, Any]]) -> None:
    """Mutation guarded: the gathered captions paired with samples by gather order instead of by id
    (training/ranks.py). Every caption here differs, so a caption on the wrong sample shows."""
    samples = load_kaggle_dataset(dataset).samples
    pairs, log = caption_shards(PixelCaptioner(), samples, DATA, QUIET, Launch())  # type: ignore[arg-type]
    one = [[sample.id, caption] for sample, caption in pairs]
    assert len({caption for _, caption in one}) == len(one) == len(samples) == 18
    assert [sample.id for sample in samples] == [sample_id for sample_id, _ in one]  # the samples' order
    for rank in two_ranks:  # every rank gets every pair
        assert rank["captions"] == one
        assert rank["captioned"] == log.captioned == 18  # the merged log counts both ranks' images


def test_rank_zero_decides_and_gathers_come_in_rank_order(two_ranks: list[dict[str, Any]]) -> None:
    assert [rank["agreed"] for rank in two_ranks] == ["chosen by rank 0"] * 2
    assert [rank["gathered"] for rank in two_ranks] == [[0, 10]] * 2
    assert agreed("mine", Launch()) == "mine" and gathered(3, Launch()) == [3]  # one process: no collective


def test_skipped_steps_average_gradients_and_an_empty_batch_anywhere_skips_everywhere(
    two_ranks: list[dict[str, Any]],
) -> None:
    assert [rank["gradient"] for rank in two_ranks] == [[[1.5, 1.5]]] * 2
    assert [rank["bias_gradient"] for rank in two_ranks] == [None, None]  # no gradient stays none
    assert [rank["any_empty"] for rank in two_ranks] == [[True, False]] * 2
    model = torch.nn.Linear(2, 1)  # one process: its gradient is already the mean
    model.weight.grad = torch.ones(1, 2)
    sync_skipped_gradients(model, Launch())
    assert model.weight.grad.tolist() == [[1.0, 1.0]]
    assert any_rank_empty(DecodedBatch([], {}), Launch())
    assert not any_rank_empty(DecodedBatch([object()], {}), Launch())  # type: ignore[list-item]


def test_combined_logs_add_counts_union_failures_and_take_the_slowest_rank() -> None:
    merged = CaptionLog.combined(
        [
            CaptionLog({"a": "truncated image"}, {"converted": 1}, seconds=2.0, captioned=3),
            CaptionLog({"b": "corrupt image"}, {"converted": 2, "cleaned": 1}, seconds=5.0, captioned=4),
            CaptionLog(seconds=1.0),
        ]
    )
    assert merged == CaptionLog(
        {"a": "truncated image", "b": "corrupt image"}, {"converted": 3, "cleaned": 1}, seconds=5.0, captioned=7
    )
