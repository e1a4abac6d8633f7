"""Sharded `foodcap run`: 1 process vs 2 torchrun processes on the bundled sample, side by side.

Uses the tiny random ViT-GPT2 (foodcap-vitgpt2 must be installed) on every image of the sample.
Each configuration runs as users would launch it, in a fresh folder; the captioning rate comes
from run.json (all ranks' images over the launch's wall time, model loading included per rank),
and the end-to-end time includes interpreter start-up, the rendezvous, merging and scoring.
Scaling efficiency = rate with N processes / (N x rate of one process with one thread).

    python packages/foodcap-core/bench/bench_sharded_run.py [--images 307] [--batch-size 16]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN = [
    "run",
    "--captioner",
    "vit-gpt2",
    "--random-weights",
    "tiny",
    "--dataset",
    "sample",
    "--split",
    "all",
    "--num-workers",
    "0",
    "--metrics",
    "bleu-1",
]


def launch(processes: int, threads: int, args: list[str], out: Path) -> dict[str, float]:
    prefix = (
        [sys.executable, "-m", "foodcap"]
        if processes == 1
        else [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            str(processes),
            "-m",
            "foodcap",
        ]
    )
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    subprocess.run([*prefix, *RUN, *args, "--out", str(out)], check=True, env=env, capture_output=True)
    end_to_end = time.perf_counter() - started
    record = json.loads((out / "run.json").read_text())
    return {
        "end_to_end": end_to_end,
        "caption_seconds": record["timings"]["caption_seconds"],
        "rate": record["timings"]["images_per_second"],
        "images": sum(p["images"] for p in record["processes"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--limit", type=int, default=None)
    options = parser.parse_args()
    args = ["--batch-size", str(options.batch_size)] + (["--limit", str(options.limit)] if options.limit else [])
    rows = []
    with tempfile.TemporaryDirectory() as root:
        for label, processes, threads in (
            ("1 process, 1 thread (baseline)", 1, 1),
            ("1 process, 2 threads", 1, 2),
            ("torchrun, 2 processes x 1 thread", 2, 1),
        ):
            rows.append((label, processes, launch(processes, threads, args, Path(root) / f"{processes}-{threads}")))
    base = rows[0][2]["rate"]
    print(f"{'configuration':36} {'images':>6} {'caption s':>9} {'img/s':>7} {'end-to-end s':>12} {'efficiency':>10}")
    for label, processes, figures in rows:
        efficiency = figures["rate"] / (processes * base)
        print(
            f"{label:36} {figures['images']:>6.0f} {figures['caption_seconds']:>9.2f} {figures['rate']:>7.1f} "
            f"{figures['end_to_end']:>12.2f} {efficiency:>10.0%}"
        )
    print(f"({os.cpu_count()} CPU cores; efficiency is against {processes} x the 1-process, 1-thread rate)")


if __name__ == "__main__":
    main()
