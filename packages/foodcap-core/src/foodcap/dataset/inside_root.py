"""Image paths stay inside the dataset's folder unless the user opts out (``--allow-outside-root``).

A dataset's metadata may name any path (``../elsewhere/x.jpg``, ``/home/...``, a symlink that
leads out). Reading such a file would pull an image the dataset does not hold into a run, and
from there into a report someone publishes; so by default it is skipped and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

OUTSIDE_ROOT = "image outside the dataset folder"


def resolved_roots(roots: Sequence[Path]) -> tuple[Path, ...]:
    """The folders with every symlink followed, as paths inside them are compared."""
    return tuple(root.expanduser().resolve() for root in roots)


def inside(path: Path, roots: Sequence[Path]) -> bool:
    """Whether ``path``, with every symlink followed, lies in one of the (resolved) ``roots``."""
    real = path.resolve()
    return any(real.is_relative_to(root) for root in roots)
