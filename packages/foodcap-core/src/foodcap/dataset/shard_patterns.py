"""Which shard files a location names: a file, a folder of shards, a glob, or brace patterns such as
``data/{00000..00999}.tar`` (WebDataset's and img2dataset's notation), in a stable order."""

from __future__ import annotations

import glob
import re
from pathlib import Path

from ..errors import FoodcapError

_RANGE = re.compile(r"^(-?\d+)\.\.(-?\d+)$")


def expand_braces(pattern: str) -> list[str]:
    """``a{1..3}b`` -> a1b a2b a3b (zero-padded like the bounds), ``{x,y}`` -> x y; nested and repeated."""
    start = pattern.find("{")
    if start < 0:
        return [pattern]
    depth = 0
    for end in range(start, len(pattern)):
        depth += {"{": 1, "}": -1}.get(pattern[end], 0)
        if depth == 0:
            break
    else:
        raise FoodcapError(f"unbalanced braces in {pattern!r}")
    head, body, tail = pattern[:start], pattern[start + 1 : end], pattern[end + 1 :]
    found = _RANGE.match(body)
    if found:
        low, high = int(found[1]), int(found[2])
        width = len(found[1]) if found[1].startswith("0") and len(found[1]) > 1 else 0
        step = 1 if high >= low else -1
        choices = [str(n).zfill(width) for n in range(low, high + step, step)]
    else:
        choices = _split_top_level(body)
    return [expanded for choice in choices for expanded in expand_braces(head + choice + tail)]


def _split_top_level(body: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in body:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        current += char
    return [*parts, current]


def shard_paths(location: str, suffixes: tuple[str, ...]) -> list[Path]:
    """The shards ``location`` names, in order (as written for brace patterns, sorted for globs and
    folders). A pattern that matches nothing is a FoodcapError."""
    found: list[Path] = []
    for pattern in expand_braces(location):
        path = Path(pattern).expanduser()
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.name.lower().endswith(suffixes))
        elif glob.has_magic(pattern):
            found += sorted(Path(p) for p in glob.glob(str(path)) if p.lower().endswith(suffixes))
        elif path.exists() or "{" in location:
            found.append(path)  # a listed shard that is missing is counted when read, not fatal here
    if not found or not any(path.exists() for path in found):
        raise FoodcapError(f"{location} matches no {' or '.join(suffixes)} shard")
    return [path.resolve() for path in found]
