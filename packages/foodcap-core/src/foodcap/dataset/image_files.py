"""Recipe image files: cheap whole-file checks at load time, full decoding to RGB at use time.

Loading must stay fast on 13.5k images, so ``check_image_file`` never decodes pixels: it reads
the header (format) and the file's last bytes (the end marker every complete JPEG and PNG has).
Whatever still fails when pixels are decoded raises ``UnreadableImage`` from ``open_rgb``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from .inside_root import OUTSIDE_ROOT, inside, resolved_roots
from .shard_images import ShardImage

MISSING_FILE = "missing image file"
EMPTY_FILE = "empty image file"
NOT_AN_IMAGE = "not an image"
TRUNCATED = "truncated image"
CORRUPT = "corrupt image"
TOO_LARGE = "image too large"

# The end marker sits in the last bytes; a window (rather than the very end) tolerates padding
# or short trailers that decoders ignore. FFD9 cannot occur inside JPEG scan data.
_TAIL_BYTES = 1024
_END_MARKERS = {"JPEG": b"\xff\xd9", "MPO": b"\xff\xd9", "PNG": b"IEND"}
_HIGH_BIT_DEPTH = {"I", "I;16", "I;16B", "I;16L", "I;16N"}


class UnreadableImage(Exception):
    """An image file that cannot be decoded; ``reason`` is the cleaning-report reason.

    Not a FoodcapError: one bad image is a row to count and skip, not a user error to stop on.
    """

    def __init__(self, reason: str, path: Path | str | None = None, detail: str = "") -> None:
        # All three go to Exception.args so the exception pickles across DataLoader workers.
        super().__init__(reason, path, detail)
        self.reason = reason
        self.path = path
        self.detail = detail

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path is not None else ""
        return f"{where}{self.reason}" + (f" ({self.detail})" if self.detail else "")


def check_image_file(path: Path | ShardImage) -> str | None:
    """Why ``path`` cannot be a usable image, judged without decoding pixels; None if it can."""
    if isinstance(path, ShardImage):
        return check_image_data(path.read())
    try:
        with open(path, "rb") as file:
            return _check(file, os.fstat(file.fileno()).st_size)
    except FileNotFoundError:
        return MISSING_FILE
    except OSError:
        return CORRUPT


def check_image_data(data: bytes) -> str | None:
    """``check_image_file`` for an image held in memory (read from a shard)."""
    return _check(io.BytesIO(data), len(data))


def _check(file: BinaryIO, size: int) -> str | None:
    if size == 0:
        return EMPTY_FILE
    head = file.read(_TAIL_BYTES)
    file.seek(max(0, size - _TAIL_BYTES))
    tail = file.read()
    file.seek(0)
    try:
        with Image.open(file) as image:
            image_format = image.format
    except Image.DecompressionBombError:
        return TOO_LARGE
    except (OSError, SyntaxError, ValueError, EOFError):  # UnidentifiedImageError too
        # A known signature means an image whose header broke, most often by truncation.
        image_format = _format_by_signature(head)
        if image_format is None:
            return NOT_AN_IMAGE
        return TRUNCATED if _END_MARKERS[image_format] not in tail else CORRUPT
    marker = _END_MARKERS.get(image_format or "")
    if marker is not None and marker not in tail:
        return TRUNCATED
    return None


def _format_by_signature(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    return None


def open_rgb(path: Path | ShardImage) -> tuple[Image.Image, str | None]:
    """Decode ``path`` (a file, or an image inside a shard) fully and convert it to RGB.

    Returns the image and the repair made (``"image converted to RGB from CMYK"``...) or None.
    Raises UnreadableImage for missing, truncated or corrupt files. Safe in DataLoader workers.
    """
    where = path if isinstance(path, Path) else str(path)  # what the error names (a shard's image by SHARD#MEMBER)
    try:
        with Image.open(io.BytesIO(path.read()) if isinstance(path, ShardImage) else path) as image:
            image.load()
            mode = image.mode
            rgb = _to_rgb(image)
    except Image.DecompressionBombError as error:
        raise UnreadableImage(TOO_LARGE, where, str(error)) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # missing, unidentified too
        raise UnreadableImage(_failure_reason(path, error), where, str(error)) from error
    return rgb, (None if mode == "RGB" else f"image converted to RGB from {mode}")


def _to_rgb(image: Image.Image) -> Image.Image:
    """Transparent pixels become white (a plate on a page), not the black ``convert`` gives."""
    if image.mode == "RGB":
        return image.copy()
    if image.mode in _HIGH_BIT_DEPTH:
        # 16-bit greyscale would clip to white; scale it to 8 bits first.
        return image.convert("I").point(lambda value: value / 256).convert("L").convert("RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _failure_reason(path: Path | ShardImage, error: BaseException) -> str:
    """Name a decode failure as the load-time checks would, so both count alike in the report."""
    found = check_image_file(path)
    if found is not None:
        return found
    return TRUNCATED if "truncated" in str(error).lower() else CORRUPT


def check_image_files(paths: list[Path], workers: int, roots: Sequence[Path] | None = None) -> list[str | None]:
    """``check_image_file`` for each path (its problem, or None), on ``workers`` threads.

    With ``roots``, a path outside all of them (symlinks followed) is ``OUTSIDE_ROOT``, never opened.
    """
    real_roots = resolved_roots(roots) if roots is not None else None

    def check(path: Path) -> str | None:
        if real_roots is not None and not inside(path, real_roots):
            return OUTSIDE_ROOT
        return check_image_file(path)

    if workers <= 1:
        return [check(path) for path in paths]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(check, paths, chunksize=64))
