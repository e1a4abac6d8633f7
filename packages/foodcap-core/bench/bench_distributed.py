"""Training on 2 processes (torchrun, gloo on CPU) beside 1 process: one epoch, and the encoder-cache build.

    python packages/foodcap-core/bench/bench_distributed.py [--size tiny|full] [--limit N] [--batch-size B]

Both sides run `foodcap train` on the same global batch (1 process at B, 2 processes at B/2 each), each
process with --threads torch threads (default 1, torchrun's default: 2 processes then use twice the
cores, which is the point of adding a process). Figures come from what the trainer records:
history.jsonl (epoch seconds, images/s over all ranks) and run.json (encoder-cache build time).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent


def train(folder: Path, processes: int, threads: int, args: list[str]) -> dict[str, float]:
    launcher = (
        [str(BIN / "foodcap")]
        if processes == 1
        else [str(BIN / "torchrun"), "--standalone", "--nproc_per_node", str(processes), "-m", "foodcap"]
    )
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([*launcher, "train", *args, "--out", str(folder)], env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"foodcap train failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    [row] = [json.loads(line) for line in (folder / "history.jsonl").read_text().splitlines()]
    timings = json.loads((folder / "run.json").read_text()).get("timings", {})
    return {
        "epoch_seconds": row["epoch_seconds"],
        "images_per_second": row["train_images_per_second"],
        "cache_seconds": timings.get("encoder_cache_seconds", float("nan")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["tiny", "full"], default="tiny")
    parser.add_argument("--limit", type=int, default=None, help="images per split (default: the whole sample)")
    parser.add_argument("--batch-size", type=int, default=16, help="global batch (each of 2 processes takes half)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    options = parser.parse_args()
    cores = os.cpu_count() or 2
    common = [
        "--captioner",
        "vit-gpt2",
        "--random-weights",
        options.size,
        "--dataset",
        "sample",
        "--epochs",
        "1",
        "--num-workers",
        "0",
        "--no-test-eval",
        "--eval-limit",
        "2",
        "--metrics",
        "bleu-1",
        *(["--limit", str(options.limit)] if options.limit else []),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for label, extra in (
            ("epoch, --freeze none", ["--freeze", "none"]),
            ("epoch, --freeze encoder --cache-encoder", ["--freeze", "encoder", "--cache-encoder"]),
        ):
            figures = {}
            for processes in (1, 2):
                args = [*common, *extra, "--batch-size", str(options.batch_size // processes)]
                figures[processes] = train(Path(scratch) / f"{len(rows)}-{processes}", processes, options.threads, args)
            rows.append((label, figures))
    print(
        f"vit-gpt2 random weights {options.size!r}, dataset sample, {cores} cores, global batch "
        f"{options.batch_size}, {options.threads} thread(s) per process"
    )
    print(f"{'':44} {'1 process':>14} {'2 processes':>14} {'speed-up':>9}")
    for label, figures in rows:
        one, two = figures[1], figures[2]
        print(
            f"{label:44} {one['images_per_second']:>8.1f} img/s {two['images_per_second']:>8.1f} img/s "
            f"{two['images_per_second'] / one['images_per_second']:>8.2f}x"
        )
    cached = rows[1][1]
    build = cached[1]["cache_seconds"], cached[2]["cache_seconds"]
    print(
        f"{'encoder cache build (train + val)':44} {build[0]:>12.2f} s {build[1]:>12.2f} s {build[0] / build[1]:>8.2f}x"
    )


if __name__ == "__main__":
    main()
