"""Million-image runs: a WebDataset run's wall time, captioning rate and peak memory at 100k and 1M images,
one process, 2 torchrun processes and 4 `--shard` jobs merged, beside today's imagefolder path.

The captioner costs nothing (pixel_hash_captioner.py looks each image's pixels up), so what is measured
is foodcap itself: reading, decoding, batching, writing the parts, merging and scoring (coco BLEU-4,
ROUGE-L, CIDEr-D). The images (8x8 JPEGs, 4,096 distinct ones) are generated once under --root and
reused; every configuration runs as users launch it, in a fresh folder, with peak RSS recorded by each
process (its own, and the largest of its DataLoader workers).

    nice -n 10 python packages/foodcap-core/bench/bench_streaming.py --images 100000 1000000

The baseline is the imagefolder kind on the same images; to measure the code before streaming runs,
put that version first on the path (``PYTHONPATH=<checkout>/packages/foodcap-core/src``) with
``--images`` and no sizes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from pixel_hash_captioner import PALETTE, palette_caption, palette_jpeg

HERE = Path(__file__).resolve().parent
PER_SHARD = 10_000
METRICS = "bleu-4,rouge-l,cider-d"


def reference(index: int) -> str:
    """Most references name the image's own dish, one in five another's (so scores are not all 1)."""
    return palette_caption((index + (1 if index % 5 == 0 else 0)) % PALETTE)


def write_webdataset(folder: Path, images: int) -> str:
    if not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        jpegs = [palette_jpeg(i) for i in range(PALETTE)]
        for shard in range(-(-images // PER_SHARD)):
            with tarfile.open(folder / f"{shard:05d}.tar", "w") as archive:
                for index in range(shard * PER_SHARD, min(images, (shard + 1) * PER_SHARD)):
                    for name, data in (
                        (f"{index:09d}.jpg", jpegs[index % PALETTE]),
                        (f"{index:09d}.txt", reference(index).encode()),
                    ):
                        info = tarfile.TarInfo(name)
                        info.size = len(data)
                        archive.addfile(info, io.BytesIO(data))
        (folder / "done").write_text("")
    return str(folder / f"{{00000..{-(-images // PER_SHARD) - 1:05d}}}.tar")


def write_imagefolder(folder: Path, images: int) -> str:
    if not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        jpegs = [palette_jpeg(i) for i in range(PALETTE)]
        with (folder / "metadata.jsonl").open("w") as metadata:
            for index in range(images):
                (folder / f"{index:09d}.jpg").write_bytes(jpegs[index % PALETTE])
                metadata.write(json.dumps({"file_name": f"{index:09d}.jpg", "caption": reference(index)}) + "\n")
        (folder / "done").write_text("")
    return str(folder)


def command(processes: int, args: list[str]) -> list[str]:
    script = [str(HERE / "pixel_hash_captioner.py")]
    if processes == 1:
        return [sys.executable, *script, *args]
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        str(processes),
        *script,
        *args,
    ]


def launch(label: str, dataset: str, out: Path, workers: int, processes: int = 1, jobs: int = 0) -> dict[str, object]:
    """One configuration, as users run it; figures from run.json and each process's peak memory."""
    shutil.rmtree(out, ignore_errors=True)
    memory = out.with_name(out.name + "-rss")
    shutil.rmtree(memory, ignore_errors=True)
    memory.mkdir(parents=True)
    env = {**os.environ, "FOODCAP_BENCH_RSS": str(memory), "OMP_NUM_THREADS": "1"}
    args = [
        "run",
        "--captioner",
        "pixel-hash",
        "--dataset",
        dataset,
        "--split",
        "all",
        "--metrics",
        METRICS,
        "--batch-size",
        "256",
        "--num-workers",
        str(workers),
        "--out",
        str(out),
    ]
    started = time.perf_counter()
    if jobs:
        running = [
            subprocess.Popen(
                command(1, [*args, "--shard", f"{i}/{jobs}"]),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(jobs)
        ]
        for job in running:
            _, err = job.communicate()
            if job.returncode:
                sys.exit(f"{label}: a shard job failed:\n{err[-3000:]}")
        merge_args = ["merge", str(out)]
        subprocess.run(command(1, merge_args), env=env, check=True, capture_output=True)
    else:
        result = subprocess.run(command(processes, args), env=env, capture_output=True, text=True)
        if result.returncode:
            sys.exit(f"{label} failed:\n{result.stderr[-3000:]}")
    wall = time.perf_counter() - started
    record = json.loads((out / "run.json").read_text())
    peaks = [json.loads(path.read_text()) for path in memory.glob("*.json")]
    captioned = [p for p in record["processes"] if p.get("images")]
    return {
        "label": label,
        "images": json.loads((out / "metrics.json").read_text())["count"],
        "wall": wall,
        "caption_rate": sum(p["images"] for p in captioned) / max(p["seconds"] for p in captioned),
        "per_process_rate": [round(p["images_per_second"]) for p in captioned],
        "metrics_seconds": record["timings"]["metrics_seconds"],
        "peak_rss_mb": sorted(round(p["peak_rss"] / 2**20) for p in peaks),
        "worker_rss_mb": max(round(p["children_peak_rss"] / 2**20) for p in peaks),
        "scores": json.loads((out / "metrics.json").read_text())["scores"],
    }


class Rows(list):  # type: ignore[type-arg]
    """Each configuration's figures, printed as soon as it finishes (a long bench may be cut short)."""

    def append(self, row: dict[str, object]) -> None:
        super().append(row)
        print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--baseline-images", type=int, default=100_000, help="today's imagefolder path (0: skip)")
    parser.add_argument("--root", type=Path, default=Path("/tmp/foodcap-bench-streaming"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-distributed", action="store_true", help="skip the torchrun and --shard runs")
    options = parser.parse_args()
    rows = Rows()
    if options.baseline_images:
        folder = write_imagefolder(options.root / f"imagefolder-{options.baseline_images}", options.baseline_images)
        rows.append(
            launch(
                f"imagefolder {options.baseline_images:,} (today's path)",
                folder,
                options.root / "out-imagefolder",
                options.workers,
            )
        )
    for images in options.images:
        pattern = write_webdataset(options.root / f"webdataset-{images}", images)
        rows.append(
            launch(f"webdataset {images:,}, 1 process", pattern, options.root / f"out-{images}-1", options.workers)
        )
        if images == max(options.images) and not options.no_distributed:
            rows.append(
                launch(
                    f"webdataset {images:,}, torchrun 2 processes",
                    pattern,
                    options.root / f"out-{images}-2",
                    options.workers,
                    processes=2,
                )
            )
            rows.append(
                launch(
                    f"webdataset {images:,}, 4 --shard jobs + merge",
                    pattern,
                    options.root / f"out-{images}-jobs",
                    options.workers,
                    jobs=4,
                )
            )
    print(f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}; metrics {METRICS} (coco)")


if __name__ == "__main__":
    main()
