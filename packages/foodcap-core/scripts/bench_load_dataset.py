"""How long ``load_kaggle_dataset`` takes on a Kaggle-sized folder, beside the baselines it replaces.

Builds a 13.5k-row folder (the bundled sample's rows and files, dirty ones included, repeated
under new ids and names) in a temporary directory, then times, in the same run:

- foodcap: ``load_kaggle_dataset`` as the CLI calls it (cheap checks: header + end marker, one thread);
- the same with 8 threads (``workers=8``), the option meant for slow or network disks;
- a decode-everything baseline (``Image.open(...).convert("RGB")`` per row, as scripts that
  validate a dataset by decoding it do), which also pays the decode the DataLoader will pay again.

    python packages/foodcap-core/scripts/bench_load_dataset.py [--rows 13582] [--repeats 3]

The OS page cache is warm after the first pass; figures are the best of ``--repeats``.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from foodcap.dataset import load_kaggle_dataset, sample_root
from foodcap.dataset.kaggle_layout import CSV_NAME, IMAGE_SUFFIX, IMAGES_DIR

_TRAILING_NUMBER = re.compile(r"^(-.*-)(\d+)$")


def build_folder(root: Path, rows: int) -> None:
    """Copies of the sample's rows (renamed, so every row has its own file) up to ``rows`` rows."""
    source = sample_root()
    with open(source / CSV_NAME, newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        header, template = next(reader), list(reader)
    source_images = source / IMAGES_DIR / IMAGES_DIR
    content = {path.name: path.read_bytes() for path in source_images.iterdir()}
    images = root / IMAGES_DIR / IMAGES_DIR
    images.mkdir(parents=True)
    copies = -(-rows // len(template))
    # The #NAME? rows' files: one per copy, numbered apart so each copy's row recovers its own.
    for name in (n for n in content if _TRAILING_NUMBER.match(n.removesuffix(IMAGE_SUFFIX))):
        match = _TRAILING_NUMBER.match(name.removesuffix(IMAGE_SUFFIX))
        assert match is not None
        for copy in range(copies):
            (images / f"{match[1]}{int(match[2]) + copy}{IMAGE_SUFFIX}").write_bytes(content[name])
    with open(root / CSV_NAME, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        for number in range(rows):
            copy, row = divmod(number, len(template))
            fields = list(template[row])
            fields[0] = str(number)
            name = fields[4]
            if name and name != "#NAME?":
                fields[4] = f"{name}-c{copy}"
                if name + IMAGE_SUFFIX in content:
                    (images / (fields[4] + IMAGE_SUFFIX)).write_bytes(content[name + IMAGE_SUFFIX])
            writer.writerow(fields)


def decode_everything(root: Path) -> int:
    """The baseline: every listed image decoded in full, one after another."""
    images = root / IMAGES_DIR / IMAGES_DIR
    with open(root / CSV_NAME, newline="", encoding="utf-8") as file:
        names = [row["Image_Name"] for row in csv.DictReader(file)]
    usable = 0
    for name in names:
        try:
            with Image.open(images / (name + IMAGE_SUFFIX)) as image:
                image.convert("RGB")
            usable += 1
        except (OSError, SyntaxError, ValueError):
            pass
    return usable


def best_of(repeats: int, run: Callable[[], int]) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=13582)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_folder(root, args.rows)
        load_kaggle_dataset(root)  # warm the page cache for every contender alike
        serial, kept = best_of(args.repeats, lambda: len(load_kaggle_dataset(root)))
        threaded, kept_threaded = best_of(args.repeats, lambda: len(load_kaggle_dataset(root, workers=8)))
        decoded, usable = best_of(1, lambda: decode_everything(root))
    assert kept == kept_threaded
    print(f"{args.rows} rows, {os.cpu_count()} CPUs; kept {kept} (decode baseline found {usable} decodable)")
    print(f"{'contender':<44}{'seconds':>9}{'vs decode':>11}")
    for label, seconds in (
        ("foodcap load_kaggle_dataset (default: 1 thread)", serial),
        ("foodcap load_kaggle_dataset (workers=8)", threaded),
        ("baseline: decode every image, 1 thread", decoded),
    ):
        print(f"{label:<44}{seconds:>9.2f}{decoded / seconds:>10.1f}x")


if __name__ == "__main__":
    main()
