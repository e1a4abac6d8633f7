"""Decoded batches in flight are bounded by bytes, and a small /dev/shm is met with fewer workers, not a bus error."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from foodcap.batches import prefetch
from foodcap.batches.loading import CaptionCollate, batch_loader
from foodcap.batches.prefetch import PrefetchPlan, plan_prefetch
from foodcap.dataset import load_kaggle_dataset

from fake_captioner import Pixels

MIB, GIB = 2**20, 2**30
GEMMA_BATCH_64 = 64 * 3 * 896 * 896 * 4  # float32 pixel values: ~588 MiB a batch


def test_gemma_at_batch_64_stays_within_the_budget() -> None:
    plan = plan_prefetch(GEMMA_BATCH_64, num_workers=8, budget_bytes=2 * GIB, shm_free=64 * GIB)
    assert plan.num_workers == 3 and plan.prefetch_factor == 1
    assert plan.in_flight_batches() * GEMMA_BATCH_64 <= 2 * GIB  # where 8 workers x 4 batches held ~18 GiB
    assert "3 of 8 decoding workers" in str(plan.note)


def test_small_batches_keep_every_worker_and_the_full_queue() -> None:
    assert plan_prefetch(4 * MIB, num_workers=8, budget_bytes=2 * GIB, shm_free=None) == PrefetchPlan(8, 4)


def test_a_small_dev_shm_reduces_workers_or_decodes_in_process() -> None:
    docker_default = 64 * MIB
    plan = plan_prefetch(20 * MIB, num_workers=8, budget_bytes=2 * GIB, shm_free=docker_default)
    assert plan == PrefetchPlan(1, 1, plan.note) and "/dev/shm has 64 MiB free" in str(plan.note)
    plan = plan_prefetch(GEMMA_BATCH_64, num_workers=8, budget_bytes=2 * GIB, shm_free=docker_default)
    assert plan.num_workers == 0 and plan.prefetch_factor is None
    assert "decoding in the main process; enlarge /dev/shm (docker --shm-size)" in str(plan.note)


def test_the_loader_follows_the_plan_and_says_why(
    kaggle_folder: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    samples = load_kaggle_dataset(kaggle_folder).samples[:12]
    per_image = 8 * 8 * 3 * 4  # the fake preprocessor: 8x8 RGB as float32
    monkeypatch.setattr(prefetch, "shared_memory_free", lambda: None)
    roomy = batch_loader(samples, CaptionCollate(Pixels()), 4, 2)
    assert (roomy.num_workers, roomy.prefetch_factor) == (2, 4)
    with caplog.at_level(logging.WARNING, logger="foodcap"):
        tight = batch_loader(samples, CaptionCollate(Pixels()), 4, 2, prefetch_bytes=per_image * 4)
    assert (tight.num_workers, tight.prefetch_factor) == (1, 1)
    assert "1 of 2 decoding workers" in caplog.text
    assert sum(len(batch.samples) for batch in tight) == 12  # and it still delivers every image
