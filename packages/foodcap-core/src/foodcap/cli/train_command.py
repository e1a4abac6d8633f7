"""``foodcap train``: fine-tune a captioner with a freeze policy."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from ..launch import detect_launch, rank_console
from ..training.options import TrainConfig
from .config_options import build_config, config_flags, configurable
from .flags import flag_names
from .run_command import scores_table

# The split is fixed by training (train/val, then test). --device picks one process's device;
# under torchrun or accelerate launch each rank gets its own.
TRAIN_FLAGS = config_flags(TrainConfig, skip=frozenset({"split", "shard", "device_map", "max_memory"}))


@configurable(TRAIN_FLAGS)
@click.command("train")
def train_command(**kwargs: Any) -> None:
    """Fine-tune a captioner on the train split, validating every epoch.

    \b
    Examples:
      foodcap train --captioner vit-gpt2 --freeze encoder --dataset sample --epochs 3 --out runs/enc
      foodcap train --captioner vit-gpt2 --random-weights tiny --epochs 2 --lr 1e-3 --out runs/tiny
      foodcap train --captioner llama-lora-1b --freeze lora --epochs 5 --out runs/llama1b
      torchrun --nproc_per_node 2 -m foodcap train --captioner vit-gpt2 ...   (2 GPUs, DDP)
      accelerate launch --multi_gpu --num_processes 2 -m foodcap train ...   (the same with accelerate)

    Under torchrun or accelerate launch, --batch-size is per process: 2 processes at --batch-size 16
    take the same steps as 1 process at --batch-size 32. Rank 0 prints and writes the folder.

    Writes history.jsonl (losses and val metrics per epoch), checkpoints/ (the latest epoch,
    resumable with --resume), best/ (a checkpoint for `foodcap run --checkpoint`), and the test
    split's predictions.jsonl, metrics.json and run.json.
    """
    from .. import api  # the trainer imports torch: only when training starts

    console = rank_console(Console(), detect_launch())  # under torchrun, rank 0 speaks for every rank
    config = build_config(TrainConfig, TRAIN_FLAGS, kwargs)
    result = api._train_config(config, console, flags=flag_names(TRAIN_FLAGS))
    if result.test_scores is not None:
        console.print(scores_table(f"{config.captioner} (best epoch) on test", result.test_scores, result.test_count))
    console.print(f"training folder: {result.folder}")
