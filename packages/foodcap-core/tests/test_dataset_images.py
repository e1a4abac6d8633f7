"""Image files: cheap load-time checks, and decoding to RGB with the repair or failure named."""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from foodcap.dataset import UnreadableImage, check_image_file, open_rgb


def write(path: Path, image: Image.Image, image_format: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **params)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def gradient(mode: str = "RGB") -> Image.Image:
    """Varied pixels, so the encoded file is long enough for truncation to hit the scan data."""
    image = Image.new("RGB", (48, 32))
    image.putdata([((x * 5) % 256, (y * 8) % 256, (x * y) % 256) for y in range(32) for x in range(48)])
    return image.convert(mode)


def pixels(image: Image.Image) -> list[Any]:
    return [image.getpixel((x, y)) for y in range(image.height) for x in range(image.width)]


def test_whole_files_pass_the_cheap_check(tmp_path: Path) -> None:
    write(tmp_path / "a.jpg", gradient(), "JPEG")
    write(tmp_path / "b.jpg", gradient(), "PNG")  # a PNG under a .jpg name is fine
    (tmp_path / "c.jpg").write_bytes((tmp_path / "a.jpg").read_bytes() + b"\x00" * 64)
    assert [check_image_file(tmp_path / n) for n in ("a.jpg", "b.jpg", "c.jpg")] == [None, None, None]


def test_cheap_check_names_each_problem(tmp_path: Path) -> None:
    jpeg = write(tmp_path / "whole.jpg", gradient(), "JPEG")
    png = write(tmp_path / "whole.png", gradient(), "PNG")
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("Not Found\n")
    (tmp_path / "cut.jpg").write_bytes(jpeg[: len(jpeg) - 200])
    (tmp_path / "cut-header.jpg").write_bytes(jpeg[:300])
    (tmp_path / "cut.png").write_bytes(png[:-12])
    found = {
        name: check_image_file(tmp_path / name)
        for name in ("gone.jpg", "empty.jpg", "text.jpg", "cut.jpg", "cut-header.jpg", "cut.png")
    }
    assert found == {
        "gone.jpg": "missing image file",
        "empty.jpg": "empty image file",
        "text.jpg": "not an image",
        "cut.jpg": "truncated image",
        "cut-header.jpg": "truncated image",
        "cut.png": "truncated image",
    }


def test_open_rgb_keeps_rgb_as_is(tmp_path: Path) -> None:
    write(tmp_path / "rgb.png", gradient(), "PNG")
    image, repair = open_rgb(tmp_path / "rgb.png")
    assert repair is None and image.mode == "RGB"
    assert pixels(image) == pixels(gradient())


@pytest.mark.parametrize(
    ("mode", "image_format"), [("L", "JPEG"), ("CMYK", "JPEG"), ("P", "PNG"), ("RGBA", "PNG"), ("LA", "PNG")]
)
def test_open_rgb_converts_other_modes_and_names_the_repair(tmp_path: Path, mode: str, image_format: str) -> None:
    source = gradient(mode)
    write(tmp_path / "x.jpg", source, image_format)
    image, repair = open_rgb(tmp_path / "x.jpg")
    assert repair == f"image converted to RGB from {mode}"
    assert image.mode == "RGB" and image.size == (48, 32)
    expected = source.convert("RGB")
    # Lossy JPEG: compare loosely, but tightly enough that inverted CMYK or lost colour fails.
    worst = max(abs(a - b) for pa, pb in zip(pixels(image), pixels(expected)) for a, b in zip(pa, pb))
    assert worst <= (40 if image_format == "JPEG" else 0)


def test_transparent_pixels_become_white_not_black(tmp_path: Path) -> None:
    rgba = Image.new("RGBA", (4, 2), (200, 10, 10, 255))
    rgba.putpixel((0, 0), (0, 0, 0, 0))
    rgba.putpixel((1, 0), (0, 0, 0, 128))
    write(tmp_path / "a.png", rgba, "PNG")
    image, _ = open_rgb(tmp_path / "a.png")
    assert image.getpixel((0, 0)) == (255, 255, 255)
    assert image.getpixel((1, 0)) in {(127, 127, 127), (128, 128, 128)}
    assert image.getpixel((2, 0)) == (200, 10, 10)

    palette = Image.new("P", (2, 1), 0)
    palette.putpalette([0, 0, 0, 10, 200, 10])
    palette.putpixel((1, 0), 1)
    write(tmp_path / "p.png", palette, "PNG", transparency=0)
    image, repair = open_rgb(tmp_path / "p.png")
    assert repair == "image converted to RGB from P"
    assert pixels(image) == [(255, 255, 255), (10, 200, 10)]


def test_sixteen_bit_greyscale_is_scaled_not_clipped(tmp_path: Path) -> None:
    deep = Image.new("I;16", (2, 1))
    deep.putpixel((0, 0), 0x8000)
    deep.putpixel((1, 0), 0xFFFF)
    write(tmp_path / "deep.png", deep, "PNG")
    image, repair = open_rgb(tmp_path / "deep.png")
    assert repair is not None and repair.startswith("image converted to RGB from I")
    assert pixels(image) == [(128, 128, 128), (255, 255, 255)]


def test_open_rgb_raises_unreadable_image_with_the_reason(tmp_path: Path) -> None:
    jpeg = write(tmp_path / "whole.jpg", gradient(), "JPEG")
    (tmp_path / "cut.jpg").write_bytes(jpeg[: len(jpeg) * 2 // 3])
    (tmp_path / "text.jpg").write_text("<html>")
    (tmp_path / "empty.jpg").write_bytes(b"")
    reasons = {}
    for name in ("cut.jpg", "text.jpg", "empty.jpg", "gone.jpg"):
        with pytest.raises(UnreadableImage) as error:
            open_rgb(tmp_path / name)
        assert error.value.path == tmp_path / name
        reasons[name] = error.value.reason
    assert reasons == {
        "cut.jpg": "truncated image",
        "text.jpg": "not an image",
        "empty.jpg": "empty image file",
        "gone.jpg": "missing image file",
    }


def test_unreadable_image_survives_pickling_between_processes(tmp_path: Path) -> None:
    error = pickle.loads(pickle.dumps(UnreadableImage("truncated image", tmp_path / "x.jpg", "cut short")))
    assert (error.reason, error.path, error.detail) == ("truncated image", tmp_path / "x.jpg", "cut short")
    assert str(error) == f"{tmp_path / 'x.jpg'}: truncated image (cut short)"
